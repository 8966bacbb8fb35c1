// AWS SDK clients pointed at the Fogbank serving this page (same origin): the console has no
// back door, every action is the AWS API call an SDK would make.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { RDSClient } from "@aws-sdk/client-rds";
import { RDSDataClient } from "@aws-sdk/client-rds-data";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";
import { settings, type Settings } from "./settings";

type Clients = {
  dynamodb: DynamoDBClient;
  elasticache: ElastiCacheClient;
  rds: RDSClient;
  rdsData: RDSDataClient;
  secrets: SecretsManagerClient;
  sts: STSClient;
};

let cache: { key: string; clients: Clients } | null = null;

function config(s: Settings) {
  return {
    region: s.region,
    endpoint: window.location.origin,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    maxAttempts: 1,
  };
}

export function aws(): Clients {
  const s = settings.value;
  const key = JSON.stringify(s);
  if (!cache || cache.key !== key) {
    const c = config(s);
    cache = {
      key,
      clients: {
        dynamodb: new DynamoDBClient(c),
        elasticache: new ElastiCacheClient(c),
        rds: new RDSClient(c),
        rdsData: new RDSDataClient(c),
        secrets: new SecretsManagerClient(c),
        sts: new STSClient(c),
      },
    };
  }
  return cache.clients;
}

/** Every item of every page an SDK paginator (`paginateListSecrets`, …) walks through. */
export async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(pick(page) || []));
  return all;
}

/** True when Fogbank answered that it has not built this operation yet (HTTP 501 `NotImplemented`). */
export function notImplemented(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return (e?.Code || e?.name) === "NotImplemented" || e?.$metadata?.httpStatusCode === 501;
}

/** "Code: message" as the API answered it, for showing to the user. */
export function errorText(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { name?: string; message?: string; Code?: string };
    const code = e.Code || e.name;
    const message = e.message || String(error);
    if (code && code !== "Error" && !message.startsWith(code)) return `${code}: ${message}`;
    return message;
  }
  return String(error);
}

/** Fogbank's own health document: which services are built (read-only, not an AWS action). */
export async function fogbankHealth(): Promise<{ services: Record<string, { state: string; operations: number }> }> {
  const response = await fetch(`${window.location.origin}/_fogbank/health`);
  return response.json();
}
