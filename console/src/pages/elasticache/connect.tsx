// Copyable connection examples for a cache endpoint, in the engine's own client and in Python.
import { CodeBlock, useLoad } from "../../ui/kit";
import { ENGINES, type EventSource, caPath, events } from "./api";

/** The certificate authority's file of a TLS cache (its creation event names it), or null without TLS. */
export function useAuthority(sourceType: EventSource, id: string, tls: boolean): string | null {
  const { data } = useLoad(async () => (tls ? caPath(await events(sourceType, id)) : null), [sourceType, id, tls]);
  return data ?? null;
}

/** `ca`: the certificate authority's file when the endpoint speaks TLS only (serverless caches). */
export function ConnectionExamples(props: { engine: string; host: string; port: number; clusterMode?: boolean; nodes?: [string, number][]; ca?: string | null }) {
  const { engine, host, port } = props;
  const ca = props.ca === undefined ? null : props.ca || "ca.pem";
  const cliTls = ca ? ` --tls --cacert ${ca}` : "";
  const pyTls = ca ? `, ssl=True, ssl_ca_certs="${ca}"` : "";
  const examples: [string, string][] = [];
  if (engine === "memcached") {
    const nodes = props.nodes || [];
    const tls = ca ? `, tls_context=ssl.create_default_context(cafile="${ca}")` : "";
    const imports = ca ? "import ssl\n\n" : "";
    examples.push(
      [
        "Auto-discovery (configuration endpoint)",
        ca
          ? `printf 'config get cluster\\r\\n' | openssl s_client -quiet -CAfile ${ca} -connect ${host}:${port}`
          : `printf 'config get cluster\\r\\n' | nc -q1 ${host} ${port}`,
      ],
      [
        "Python (pymemcache)",
        `${imports}from pymemcache.client.base import Client\n\nclient = Client(("${host}", ${port})${tls})\nclient.set("greeting", "hello")\nprint(client.get("greeting"))`,
      ],
    );
    if (nodes.length > 1)
      examples.push([
        "Python (pymemcache, every node)",
        `${imports}from pymemcache.client.hash import HashClient\n\nclient = HashClient([${nodes.map(([h, p]) => `("${h}", ${p})`).join(", ")}]${tls})\nclient.set("greeting", "hello")\nprint(client.get("greeting"))`,
      ]);
  } else {
    const cli = ENGINES[engine]?.cli || "redis-cli";
    examples.push(
      [cli, `${cli} -h ${host} -p ${port}${props.clusterMode ? " -c" : ""}${cliTls}`],
      props.clusterMode
        ? [
            "Python (redis, cluster mode)",
            `from redis.cluster import RedisCluster\n\nr = RedisCluster(host="${host}", port=${port}${pyTls})\nr.set("greeting", "hello")\nprint(r.get("greeting"))`,
          ]
        : ["Python (redis)", `import redis\n\nr = redis.Redis(host="${host}", port=${port}${pyTls})\nr.set("greeting", "hello")\nprint(r.get("greeting"))`],
    );
  }
  return (
    <div class="examples">
      {examples.map(([label, text]) => (
        <CodeBlock key={label} label={label} text={text} />
      ))}
    </div>
  );
}
