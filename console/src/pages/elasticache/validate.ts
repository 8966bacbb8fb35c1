// The create form's checks. The rules are the server's (fogbank/services/elasticache/model.check_identifier,
// ops/clusters._check_create, ops/replication_groups._check_create), so the form never refuses what the
// API accepts, nor the reverse.

export interface CacheForm {
  engine: string;
  version: string;
  identifier: string;
  description: string;
  nodeType: string;
  nodes: string;
  parameterGroup: string;
  /** "cluster": one CacheCluster (CreateCacheCluster); "group": a replication group (CreateReplicationGroup);
   * "serverless": a serverless cache (CreateServerlessCache). */
  deployment: Deployment;
  replicas: string;
  clusterMode: boolean;
  shards: string;
  failover: boolean;
  /** TransitEncryptionEnabled: TLS only, where the engine version's binary serves TLS. */
  tls: boolean;
  /** Serverless usage limits: empty for none. */
  storageMax: string;
  ecpuMax: string;
}

export type Deployment = "cluster" | "group" | "serverless";

export type Problems = Partial<Record<keyof CacheForm, string>>;

// Cache clusters allow 50 characters, replication groups and serverless caches 40 (ElastiCache's limits, and the server's).
export const IDENTIFIER_MAX: Record<Deployment, number> = { cluster: 50, group: 40, serverless: 40 };
const IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)$/;
export const MAX_NODES: Record<string, number> = { memcached: 40, redis: 1, valkey: 1 };
const MAX_REPLICAS = 5;
const MAX_SHARDS = 500;

function wholeNumber(value: string): number | null {
  return /^\s*\d+\s*$/.test(value) ? Number(value) : null;
}

export function identifierProblem(id: string, deployment: Deployment): string | undefined {
  const max = IDENTIFIER_MAX[deployment];
  if (!id) return "A name is required.";
  if (id.length > max || !IDENTIFIER.test(id))
    return `The name must be 1 to ${max} letters, digits or hyphens, begin with a letter, and can't contain two consecutive hyphens or end with a hyphen.`;
}

/** The deployment a form really asks for: Memcached is only ever a cache cluster. */
export function deploymentOf(form: CacheForm): Deployment {
  return form.engine === "memcached" ? "cluster" : form.deployment;
}

// ops/serverless._limits: DataStorage 1-5000 GB, ECPUPerSecond 1000-15000000.
function limitProblem(value: string, low: number, high: number, text: string): string | undefined {
  if (!value.trim()) return undefined;
  const n = wholeNumber(value);
  if (n === null || n < low || n > high) return text;
}

export function validateCache(form: CacheForm): Problems {
  const p: Problems = {};
  const deployment = deploymentOf(form);
  const group = deployment === "group";
  p.identifier = identifierProblem(form.identifier, deployment);
  if (!form.version) p.version = "Choose an engine version.";
  if (deployment === "serverless") {
    p.storageMax = limitProblem(form.storageMax, 1, 5000, "CacheUsageLimits.DataStorage must be between 1 and 5000 GB.");
    p.ecpuMax = limitProblem(form.ecpuMax, 1000, 15_000_000, "CacheUsageLimits.ECPUPerSecond must be between 1000 and 15000000.");
    return clean(p);
  }
  if (!form.nodeType) p.nodeType = "Choose a node type.";
  if (!group) {
    const nodes = wholeNumber(form.nodes);
    const max = MAX_NODES[form.engine] || 1;
    if (nodes === null || nodes < 1) p.nodes = "The parameter NumCacheNodes must be a positive integer.";
    else if (nodes > max) p.nodes = `The number of cache nodes requested exceeds the maximum of ${max} allowed for a ${form.engine} cache cluster.`;
    return clean(p);
  }
  if (!form.description.trim()) p.description = "The parameter ReplicationGroupDescription must be provided and must not be blank.";
  const replicas = wholeNumber(form.replicas);
  if (replicas === null || replicas > MAX_REPLICAS) p.replicas = `The number of replicas per node group must be between 0 and ${MAX_REPLICAS}.`;
  if (form.clusterMode) {
    const shards = wholeNumber(form.shards);
    if (shards === null || shards < 1) p.shards = "The parameter NumNodeGroups must be a positive integer.";
    else if (shards > MAX_SHARDS) p.shards = `The request cannot be processed because it would exceed the maximum of ${MAX_SHARDS} node groups (shards) in a replication group.`;
    if (!form.failover) p.failover = "Redis OSS and Valkey (cluster mode enabled) replication groups must have automatic failover enabled.";
  } else if (form.failover && replicas === 0) {
    p.failover = "Automatic failover needs at least one replica: NumCacheClusters must be at least 2 when AutomaticFailoverEnabled is true.";
  }
  return clean(p);
}

function clean(p: Problems): Problems {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v)) as Problems;
}

/** The field an API error is about, so it shows there and not in a banner at the foot of the form. */
export function fieldOfError(error: unknown): keyof CacheForm | null {
  const e = error as { name?: string; message?: string };
  const text = `${e.name || ""} ${e.message || ""}`;
  if (/AlreadyExists|CacheClusterId|CacheClusterIdentifier|ReplicationGroupId\b|ServerlessCacheName/.test(text)) return "identifier";
  if (/DataStorage/.test(text)) return "storageMax";
  if (/ECPUPerSecond/.test(text)) return "ecpuMax";
  if (/ReplicationGroupDescription/.test(text)) return "description";
  if (/NodeQuotaForCluster|NumCacheNodes/.test(text)) return "nodes";
  if (/node groups|NumNodeGroups/.test(text)) return "shards";
  if (/TransitEncryption|TLS/.test(text)) return "tls";
  if (/automatic failover/i.test(text)) return "failover";
  if (/replicas|NumCacheClusters|number of cache clusters/i.test(text)) return "replicas";
  if (/cache node type|CacheNodeType/i.test(text)) return "nodeType";
  if (/parameter group|CacheParameterGroup/i.test(text)) return "parameterGroup";
  if (/EngineVersion|engine version/i.test(text)) return "version";
  return null;
}
