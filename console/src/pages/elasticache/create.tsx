// Create a cache: CreateCacheCluster (Valkey, Redis OSS, Memcached), CreateReplicationGroup (replicas,
// cluster mode) or CreateServerlessCache, each offered once the API answers for it, with the engines and
// versions Fogbank really has.
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  type CacheEngineVersion,
  type CacheParameterGroup,
} from "@aws-sdk/client-elasticache";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { aws } from "../../aws";
import { href, navigate } from "../../router";
import { Button, Choices, ErrorBox, Field, Page, Panel, TextField, useProblems } from "../../ui/kit";
import { ENGINES, cacheErrorText, engineVersions, listClusters, listGroups, listServerless, parameterGroups } from "./api";
import { clusterLink, groupLink, serverlessLink } from "./list";
import { type CacheForm, type Deployment, deploymentOf, fieldOfError, validateCache } from "./validate";

// The node types of ElastiCache's guide that Fogbank sizes (fogbank/services/elasticache/node_types.py), small first.
const NODE_TYPES = [
  "cache.t3.micro", "cache.t3.small", "cache.t3.medium", "cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium",
  "cache.m5.large", "cache.m6g.large", "cache.m7g.large", "cache.r5.large", "cache.r6g.large", "cache.r7g.large",
];

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] || 0) - (pa[i] || 0);
    if (d) return d;
  }
  return 0;
}

export function CreateCache() {
  const [versions, setVersions] = useState<CacheEngineVersion[] | null>(null);
  const [groups, setGroups] = useState<CacheParameterGroup[]>([]);
  const [groupsAnswer, setGroupsAnswer] = useState(false);
  const [serverlessAnswer, setServerlessAnswer] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [form, setForm] = useState<CacheForm>({
    engine: "valkey",
    version: "",
    identifier: "",
    description: "Created in the Fogbank console",
    nodeType: "cache.t3.micro",
    nodes: "1",
    parameterGroup: "",
    deployment: "cluster",
    replicas: "1",
    clusterMode: false,
    shards: "1",
    failover: true,
    tls: false,
    storageMax: "",
    ecpuMax: "",
  });
  const { problems, setProblems, clear } = useProblems<keyof CacheForm>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Once the name field has had focus, the suggested name never replaces what is (being) typed there.
  const named = useRef(false);

  useEffect(() => {
    engineVersions().then(setVersions).catch((e) => setLoadError(cacheErrorText(e)));
    parameterGroups().then(setGroups).catch(() => setGroups([]));
    // Replication groups are offered only once the API answers for them.
    listGroups().then((found) => setGroupsAnswer(found !== null)).catch(() => setGroupsAnswer(false));
    listServerless().then((found) => setServerlessAnswer(found !== null)).catch(() => setServerlessAnswer(false));
    Promise.all([listClusters(), listGroups().catch(() => null), listServerless().catch(() => null)])
      .then(([clusters, found, serverless]) => {
        const taken = [
          ...clusters.map((c) => c.CacheClusterId || ""),
          ...(found || []).map((g) => g.ReplicationGroupId || ""),
          ...(serverless || []).map((c) => c.ServerlessCacheName || ""),
        ];
        let n = 1;
        while (taken.includes(`cache-${n}`)) n++;
        setForm((f) => (f.identifier || named.current ? f : { ...f, identifier: `cache-${n}` }));
      })
      .catch(() => setForm((f) => (f.identifier || named.current ? f : { ...f, identifier: "cache-1" })));
  }, []);

  const engines = useMemo(() => Object.keys(ENGINES).filter((e) => (versions || []).some((v) => v.Engine === e)), [versions]);
  const engineVersionList = useMemo(
    () => (versions || []).filter((v) => v.Engine === form.engine).sort((a, b) => compareVersions(a.EngineVersion || "", b.EngineVersion || "")),
    [versions, form.engine],
  );
  const chosen = engineVersionList.find((v) => v.EngineVersion === form.version);
  const family = chosen?.CacheParameterGroupFamily || "";
  const familyGroups = groups.filter((g) => g.CacheParameterGroupFamily === family).map((g) => g.CacheParameterGroupName as string);
  const offered: [Deployment, string][] = [
    ["cluster", "Single node (cache cluster)"],
    ...(groupsAnswer ? ([["group", "Replication group (primary and replicas)"]] as [Deployment, string][]) : []),
    ...(serverlessAnswer ? ([["serverless", "Serverless (one TLS endpoint, usage limits)"]] as [Deployment, string][]) : []),
  ];
  const deployment = offered.some(([d]) => d === deploymentOf(form)) ? deploymentOf(form) : "cluster";
  const group = deployment === "group";
  const serverless = deployment === "serverless";

  useEffect(() => {
    if (engines.length && !engines.includes(form.engine)) changeEngine(engines[0]);
  }, [engines]);
  useEffect(() => {
    if (engineVersionList.length && !engineVersionList.some((v) => v.EngineVersion === form.version)) set("version", engineVersionList[0].EngineVersion || "");
  }, [engineVersionList]);
  useEffect(() => {
    // The family's default group, as the API would choose when none is given.
    if (family && !familyGroups.includes(form.parameterGroup)) set("parameterGroup", familyGroups.includes(`default.${family}`) ? `default.${family}` : familyGroups[0] || "");
  }, [family, groups.length]);

  function set<K extends keyof CacheForm>(key: K, value: CacheForm[K]) {
    setForm((f) => ({ ...f, [key]: value }));
    clear(key);
    if (key === "replicas" || key === "clusterMode") clear("failover");
    if (key === "version" || key === "engine") clear("tls");
    if (key === "deployment") clear("identifier");
  }

  function changeEngine(engine: string) {
    setForm((f) => ({ ...f, engine, version: "", parameterGroup: "", nodes: "1", deployment: engine === "memcached" ? "cluster" : f.deployment }));
    setProblems({});
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = validateCache({ ...form, deployment });
    setProblems(found);
    if (Object.keys(found).length) {
      document.getElementById(`c-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    const common = {
      Engine: form.engine,
      EngineVersion: form.version,
      CacheNodeType: form.nodeType,
      CacheParameterGroupName: form.parameterGroup || undefined,
      TransitEncryptionEnabled: form.tls || undefined,
    };
    try {
      if (serverless) {
        const limits = {
          ...(form.storageMax.trim() ? { DataStorage: { Maximum: Number(form.storageMax), Unit: "GB" as const } } : {}),
          ...(form.ecpuMax.trim() ? { ECPUPerSecond: { Maximum: Number(form.ecpuMax) } } : {}),
        };
        await aws().elasticache.send(
          new CreateServerlessCacheCommand({
            ServerlessCacheName: form.identifier,
            Engine: form.engine,
            MajorEngineVersion: form.version.split(".")[0],
            Description: form.description,
            CacheUsageLimits: Object.keys(limits).length ? limits : undefined,
          }),
        );
        navigate(serverlessLink(form.identifier.toLowerCase()).slice(1));
      } else if (group) {
        await aws().elasticache.send(
          new CreateReplicationGroupCommand({
            ...common,
            ReplicationGroupId: form.identifier,
            ReplicationGroupDescription: form.description,
            AutomaticFailoverEnabled: form.failover,
            ...(form.clusterMode
              ? { ClusterMode: "enabled", NumNodeGroups: Number(form.shards), ReplicasPerNodeGroup: Number(form.replicas) }
              : { NumCacheClusters: 1 + Number(form.replicas) }),
          }),
        );
        navigate(groupLink(form.identifier.toLowerCase()).slice(1));
      } else {
        await aws().elasticache.send(new CreateCacheClusterCommand({ ...common, CacheClusterId: form.identifier, NumCacheNodes: Number(form.nodes) }));
        navigate(clusterLink(form.identifier.toLowerCase()).slice(1));
      }
    } catch (e) {
      const field = fieldOfError(e);
      if (field) {
        setProblems({ [field]: cacheErrorText(e) });
        document.getElementById(`c-${field}`)?.focus();
      } else setError(cacheErrorText(e));
      setBusy(false);
    }
  };

  const input = (key: keyof CacheForm, label: string, attrs: Record<string, unknown> = {}, hint?: string) => (
    <TextField id={`c-${key}`} label={label} value={form[key] as string} error={problems[key]} hint={hint} onInput={(v) => set(key, v as never)} attrs={attrs} />
  );

  return (
    <Page title="Create cache" crumbs={[["ElastiCache", href("/elasticache")]]}>
      <ErrorBox error={loadError} />
      <form class="form" onSubmit={submit} noValidate>
        <Panel title="Engine">
          <Choices
            label="Engine"
            name="engine"
            options={(engines.length ? engines : Object.keys(ENGINES)).map((engine) => [engine, ENGINES[engine]?.label || engine])}
            value={form.engine}
            onChange={changeEngine}
          />
          <Field label="Engine version" id="c-version" error={problems.version} hint={chosen?.CacheEngineVersionDescription || "Versions installed on this machine."}>
            <select id="c-version" value={form.version} onChange={(e) => set("version", e.currentTarget.value)}>
              {engineVersionList.map((v) => (
                <option key={v.EngineVersion} value={v.EngineVersion}>
                  {ENGINES[form.engine]?.label} {v.EngineVersion}
                </option>
              ))}
            </select>
          </Field>
        </Panel>
        {form.engine !== "memcached" && offered.length > 1 && (
          <Panel title="Deployment">
            <Choices label="Deployment" name="deployment" options={offered} value={deployment} onChange={(value) => set("deployment", value)} />
          </Panel>
        )}
        <Panel title="Settings">
          {input(
            "identifier",
            serverless ? "Serverless cache name" : group ? "Replication group ID" : "Cluster ID",
            { autoComplete: "off", onFocus: () => (named.current = true) },
            `Unique in this region: 1 to ${group || serverless ? 40 : 50} letters, digits or hyphens; stored in lowercase.`,
          )}
          {(group || serverless) && input("description", "Description")}
          {serverless && input("storageMax", "Maximum data storage (GB)", { type: "number", min: 1, max: 5000, placeholder: "No limit" }, "1 to 5000 GB: the cache's memory limit.")}
          {serverless &&
            input("ecpuMax", "Maximum ECPUs per second", { type: "number", min: 1000, max: 15000000, placeholder: "No limit" }, "Recorded as on AWS; Fogbank does not meter ECPUs.")}
          {!serverless && (
            <Field label="Node type" id="c-nodeType" error={problems.nodeType} hint="Sets each node's memory limit, as on ElastiCache.">
              <select id="c-nodeType" value={form.nodeType} onChange={(e) => set("nodeType", e.currentTarget.value)}>
                {NODE_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </Field>
          )}
          {form.engine === "memcached" && input("nodes", "Number of nodes", { type: "number", min: 1, max: 40 }, "1 to 40 nodes, one Memcached process each.")}
          {!serverless && (
            <Field label="Parameter group" id="c-parameterGroup" error={problems.parameterGroup} hint={family ? `Family ${family}.` : undefined}>
              <select id="c-parameterGroup" value={form.parameterGroup} onChange={(e) => set("parameterGroup", e.currentTarget.value)}>
                {familyGroups.map((g) => (
                  <option key={g}>{g}</option>
                ))}
              </select>
            </Field>
          )}
          {!serverless && (
            <Field label="" id="c-tls" error={problems.tls} hint="TLS only, with Fogbank's certificate authority; served where the version's binary has TLS.">
              <label class="check">
                <input id="c-tls" type="checkbox" checked={form.tls} onChange={(e) => set("tls", e.currentTarget.checked)} />
                Encryption in transit (TLS)
              </label>
            </Field>
          )}
        </Panel>
        {group && (
          <Panel title="Replication">
            <label class="check">
              <input type="checkbox" checked={form.clusterMode} onChange={(e) => set("clusterMode", e.currentTarget.checked)} />
              Cluster mode enabled (data partitioned across shards)
            </label>
            {form.clusterMode && input("shards", "Number of shards", { type: "number", min: 1, max: 500 })}
            {input("replicas", form.clusterMode ? "Replicas per shard" : "Number of replicas", { type: "number", min: 0, max: 5 }, "0 to 5 replicas of the primary.")}
            <Field label="" id="c-failover" error={problems.failover}>
              <label class="check">
                <input id="c-failover" type="checkbox" checked={form.failover} onChange={(e) => set("failover", e.currentTarget.checked)} />
                Automatic failover (a replica is promoted if the primary fails)
              </label>
            </Field>
          </Panel>
        )}
        <ErrorBox error={error} onClose={() => setError(null)} />
        <div class="form-actions">
          <a class="btn btn-normal" href={href("/elasticache")}>
            Cancel
          </a>
          <Button kind="primary" type="submit" busy={busy}>
            Create cache
          </Button>
        </div>
      </form>
    </Page>
  );
}
