// The launch form's checks, with the messages the AWS console shows for each field.

export interface LaunchForm {
  engine: string;
  version: string;
  identifier: string;
  instanceClass: string;
  storage: string;
  username: string;
  password: string;
  confirm: string;
  dbName: string;
  port: string;
  retention: string;
  deletionProtection: boolean;
}

export type Problems = Partial<Record<keyof LaunchForm, string>>;

const RESERVED_USERS: Record<string, string[]> = {
  postgres: ["postgres", "rdsadmin", "admin", "root"],
  mysql: ["rdsadmin", "root", "mysql.sys", "mysql.session", "mysql.infoschema"],
  mariadb: ["rdsadmin", "root", "mariadb.sys"],
};

export function validateLaunch(form: LaunchForm): Problems {
  const p: Problems = {};
  const id = form.identifier;
  if (!id) p.identifier = "DB instance identifier is required.";
  else if (!/^[a-zA-Z]/.test(id) || !/^[a-zA-Z0-9-]+$/.test(id) || id.length > 63 || id.includes("--") || id.endsWith("-"))
    p.identifier =
      "The DB instance identifier must be 1 to 63 letters, numbers or hyphens, begin with a letter, and can't contain two consecutive hyphens or end with a hyphen.";

  const isPg = form.engine === "postgres";
  const userMax = isPg ? 63 : form.engine === "mysql" ? 32 : 16;
  if (!form.username) p.username = "Master username is required.";
  else if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(form.username) || form.username.length > userMax)
    p.username = `Master username must be 1 to ${userMax} alphanumeric characters or underscores, and must begin with a letter.`;
  else if ((RESERVED_USERS[form.engine] || []).includes(form.username.toLowerCase()))
    p.username = `${form.username} is a reserved word and can't be used as the master username.`;

  const pwMax = isPg ? 128 : 41;
  if (!form.password) p.password = "Master password is required.";
  else if (form.password.length < 8 || form.password.length > pwMax || /[/'"@\s]/.test(form.password) || /[^\x20-\x7e]/.test(form.password))
    p.password = `Master password must be ${8} to ${pwMax} printable ASCII characters and can't contain any of the following: / (slash), ' (single quote), " (double quote), @ (at sign), or a space.`;
  if (form.password && form.confirm !== form.password) p.confirm = "Passwords must match.";

  const storage = Number(form.storage);
  if (!Number.isInteger(storage) || storage < 20 || storage > 65536)
    p.storage = "Allocated storage must be an integer from 20 GiB to 65,536 GiB.";

  if (form.dbName) {
    const max = isPg ? 63 : 64;
    if (!/^[a-zA-Z][a-zA-Z0-9_]*$/.test(form.dbName) || form.dbName.length > max)
      p.dbName = `The database name must begin with a letter and contain 1 to ${max} alphanumeric characters or underscores.`;
  }

  const port = Number(form.port);
  if (!Number.isInteger(port) || port < 1150 || port > 65535) p.port = "The port must be a number from 1150 to 65535.";

  const retention = Number(form.retention);
  if (!Number.isInteger(retention) || retention < 0 || retention > 35)
    p.retention = "The backup retention period must be a number of days from 0 to 35.";
  if (!form.instanceClass) p.instanceClass = "Choose a DB instance class.";
  if (!form.version) p.version = "Choose an engine version.";
  return p;
}
