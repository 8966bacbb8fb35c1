// One serverless cache: its TLS-only endpoint and reader endpoint with connection examples (the
// certificate authority's file as the creation event names it), usage limits, events; delete.
import { DeleteServerlessCacheCommand, type ServerlessCache } from "@aws-sdk/client-elasticache";
import { useState } from "preact/hooks";
import { aws } from "../../aws";
import { href, navigate } from "../../router";
import { Button, Confirm, ErrorBox, KeyValues, Notice, Page, Panel, Status, Tabs, formatDate, useLoad } from "../../ui/kit";
import { useResource } from "../../ui/resource";
import { SETTLED, address, cacheErrorText, caPath, engineLabel, events, listServerless } from "./api";
import { ConnectionExamples } from "./connect";
import { Events } from "./parts";

export function ServerlessDetail(props: { id: string }) {
  const { item: cache, error, gone, status } = useResource<ServerlessCache>(
    {
      fetch: async () => {
        const found = await listServerless(props.id);
        if (found === null) throw new Error("Serverless caches are not available yet in this Fogbank (DescribeServerlessCaches answers NotImplemented).");
        return found[0] || null;
      },
      notFound: "ServerlessCacheNotFoundFault",
      status: (c) => c.Status || "",
      settled: SETTLED,
      text: cacheErrorText,
    },
    [props.id],
  );
  const [tab, setTab] = useState("Connectivity");
  const [deleting, setDeleting] = useState(false);
  const limits = cache?.CacheUsageLimits;

  return (
    <Page
      title={props.id}
      crumbs={[["ElastiCache", href("/elasticache")]]}
      actions={
        cache && (
          <Button kind="danger" onClick={() => setDeleting(true)} disabled={status === "deleting"}>
            Delete
          </Button>
        )
      }
    >
      {gone && <Notice kind="info">This serverless cache has been deleted.</Notice>}
      <ErrorBox error={error} />
      {cache && (
        <>
          <Panel title="Summary">
            <KeyValues
              items={[
                ["Status", <Status value={status} />],
                ["Engine", engineLabel(cache.Engine, cache.FullEngineVersion || cache.MajorEngineVersion)],
                ["Description", cache.Description || "–"],
                ["Data storage limit", limits?.DataStorage?.Maximum ? `${limits.DataStorage.Maximum} GB` : "None"],
                ["ECPU per second limit", limits?.ECPUPerSecond?.Maximum ? String(limits.ECPUPerSecond.Maximum) : "None"],
                ["Created", formatDate(cache.CreateTime)],
              ]}
            />
            {!SETTLED.has(status) && status !== "deleting" && (
              <div class="progress" role="progressbar" aria-label={`Serverless cache is ${status}`}>
                <div class="progress-bar indeterminate" />
              </div>
            )}
          </Panel>
          <Tabs tabs={["Connectivity", "Events"]} active={tab} onChange={setTab} />
          {tab === "Connectivity" && <Connectivity cache={cache} />}
          {tab === "Events" && <Events sourceType="serverless-cache" id={props.id} status={status} />}
        </>
      )}
      {deleting && (
        <Confirm
          title={`Delete ${props.id}?`}
          word="delete me"
          action="Delete"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            try {
              await aws().elasticache.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: props.id }));
            } catch (e) {
              throw new Error(cacheErrorText(e));
            }
            navigate("/elasticache");
          }}
        >
          <p>The cache and its data are deleted. This can't be undone.</p>
        </Confirm>
      )}
    </Page>
  );
}

function Connectivity(props: { cache: ServerlessCache }) {
  const c = props.cache;
  const { data: ca } = useLoad(async () => caPath(await events("serverless-cache", c.ServerlessCacheName || "")), [c.Status]);
  return (
    <Panel title="Connect to this cache">
      <KeyValues
        items={[
          ["Endpoint", <span class="mono">{address(c.Endpoint)}</span>],
          ["Reader endpoint", <span class="mono">{address(c.ReaderEndpoint)}</span>],
          ["Certificate authority", <span class="mono">{ca || "–"}</span>],
        ]}
      />
      <p class="muted">Serverless caches speak TLS only, as on AWS: give clients Fogbank's certificate authority and connect in cluster mode.</p>
      {c.Endpoint?.Address ? (
        <ConnectionExamples engine={c.Engine || "valkey"} host={c.Endpoint.Address} port={c.Endpoint.Port || 0} clusterMode ca={ca || ""} />
      ) : (
        <p class="muted">The endpoints appear when the cache is available.</p>
      )}
    </Panel>
  );
}
