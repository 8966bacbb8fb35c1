// The launch and modify forms' checks. The rules are the server's (fogbank/services/rds/validation.py
// and model.check_identifier), so the form never refuses what the API accepts, nor the reverse;
// the wording is the AWS console's.

export interface LaunchForm {
  engine: string;
  version: string;
  identifier: string;
  instanceClass: string;
  storage: string;
  username: string;
  password: string;
  /** ManageMasterUserPassword: RDS makes the password and keeps it in a Secrets Manager secret. */
  managed: boolean;
  confirm: string;
  dbName: string;
  port: string;
  retention: string;
  deletionProtection: boolean;
  multiAZ: boolean;
  /** Aurora: also create an Aurora Replica (a reader instance) in another Availability Zone. */
  replica: boolean;
  /** Aurora: EnableHttpEndpoint, the RDS Data API on the cluster. */
  dataApi: boolean;
}

export type Problems = Partial<Record<keyof LaunchForm, string>>;

// As the server: reserved for RDS itself on every engine, plus "admin" on PostgreSQL.
const RESERVED_USERS = ["rdsadmin", "rdsrepladmin", "rdsproxyadmin", "rds_superuser"];
const ENGINE_RESERVED_USERS: Record<string, string[]> = { postgres: ["admin"], mysql: [], mariadb: [], "aurora-postgresql": ["admin"], "aurora-mysql": [] };
const USERNAME_MAX: Record<string, number> = { postgres: 63, mysql: 32, mariadb: 16, "aurora-postgresql": 63, "aurora-mysql": 32 };
const PASSWORD_MAX: Record<string, number> = { postgres: 128, mysql: 41, mariadb: 41, "aurora-postgresql": 128, "aurora-mysql": 41 };
const IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$/;
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function identifierProblem(id: string, what = "DB instance"): string | undefined {
  if (!id) return `${what} identifier is required.`;
  if (!IDENTIFIER.test(id))
    return `The ${what} identifier must be 1 to 63 letters, numbers or hyphens, begin with a letter, and can't contain two consecutive hyphens or end with a hyphen.`;
}

export function passwordProblem(engine: string, password: string): string | undefined {
  const max = PASSWORD_MAX[engine] || 41;
  if (!password) return "Master password is required.";
  // Printable ASCII without space, / " and @ (a single quote is allowed, as by RDS).
  if (password.length < 8 || password.length > max || [...password].some((c) => c.charCodeAt(0) <= 32 || c.charCodeAt(0) >= 127 || '/@"'.includes(c)))
    return `Master password must be 8 to ${max} printable ASCII characters and can't contain any of the following: / (slash), " (double quote), @ (at sign), or a space.`;
}

export function storageProblem(value: string, minimum = 20): string | undefined {
  const storage = Number(value);
  if (!Number.isInteger(storage) || storage < minimum || storage > 65536)
    return minimum > 20
      ? `Allocated storage must be an integer from ${minimum} GiB (the current size: storage can't shrink) to 65,536 GiB.`
      : "Allocated storage must be an integer from 20 GiB to 65,536 GiB.";
}

/** Instances keep 0 to 35 days of backups; an Aurora cluster at least 1 (its backups can't be turned off). */
export function retentionProblem(value: string, minimum = 0): string | undefined {
  const retention = Number(value);
  if (value.trim() === "" || !Number.isInteger(retention) || retention < minimum || retention > 35)
    return `The backup retention period must be a number of days from ${minimum} to 35.`;
}

export function portProblem(value: string): string | undefined {
  const port = Number(value);
  if (value.trim() === "" || !Number.isInteger(port) || port < 1150 || port > 65535) return "The port must be a number from 1150 to 65535.";
}

export function validateLaunch(form: LaunchForm): Problems {
  const p: Problems = {};
  const aurora = form.engine.startsWith("aurora-");
  p.identifier = identifierProblem(form.identifier, aurora ? "DB cluster" : "DB instance");

  const userMax = USERNAME_MAX[form.engine] || 16;
  if (!form.username) p.username = "Master username is required.";
  else if ([...RESERVED_USERS, ...(ENGINE_RESERVED_USERS[form.engine] || [])].includes(form.username.toLowerCase()))
    p.username = `${form.username} is a reserved word and can't be used as the master username.`;
  else if (!NAME.test(form.username) || form.username.length > userMax)
    p.username = `Master username must be 1 to ${userMax} alphanumeric characters or underscores, and must begin with a letter.`;

  if (!form.managed) {
    p.password = passwordProblem(form.engine, form.password);
    if (form.password && form.confirm !== form.password) p.confirm = "Passwords must match.";
  }
  if (!aurora) p.storage = storageProblem(form.storage); // Aurora's storage grows by itself

  if (form.dbName) {
    const max = form.engine.includes("postgres") ? 63 : 64;
    if (!NAME.test(form.dbName) || form.dbName.length > max)
      p.dbName = `The database name must begin with a letter and contain 1 to ${max} alphanumeric characters or underscores.`;
  }
  p.port = portProblem(form.port);
  p.retention = retentionProblem(form.retention, aurora ? 1 : 0);
  if (!form.instanceClass) p.instanceClass = "Choose a DB instance class.";
  if (!form.version) p.version = "Choose an engine version.";
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v)) as Problems;
}

/**
 * The field an API error is about, so it shows there and not in a banner at the foot of the form
 * (RDS names the parameter in its messages: "MasterUsername ...", "Invalid value 99 for Port").
 */
export function fieldOfError(error: unknown): keyof LaunchForm | null {
  const e = error as { name?: string; message?: string };
  const text = `${e.name || ""} ${e.message || ""}`;
  if (/DBInstanceAlreadyExists|DBInstanceIdentifier|DBClusterAlreadyExists|DB Cluster already exists|DBClusterIdentifier/.test(text)) return "identifier";
  if (/MasterUsername/.test(text)) return "username";
  if (/MasterUserPassword/.test(text)) return "password";
  if (/DBName|DatabaseName/.test(text)) return "dbName";
  if (/\bPort\b/.test(text)) return "port";
  if (/backup retention/i.test(text)) return "retention";
  if (/storage size|AllocatedStorage/i.test(text)) return "storage";
  if (/DBInstanceClass/.test(text)) return "instanceClass";
  if (/EngineVersion/.test(text)) return "version";
  return null;
}
