// DocumentDB's and Neptune's SDK clients call an operation Fogbank does not serve; prints what each one read.
import { DocDBClient, DescribeDBClusterParameterGroupsCommand } from "@aws-sdk/client-docdb";
import { NeptuneClient, DescribeDBClusterParameterGroupsCommand as NeptuneDescribe } from "@aws-sdk/client-neptune";

const config = { endpoint: process.env.FOGBANK_ENDPOINT, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" } };
const out = {};
for (const [name, client, command] of [
  ["docdb", new DocDBClient(config), new DescribeDBClusterParameterGroupsCommand({})],
  ["neptune", new NeptuneClient(config), new NeptuneDescribe({})],
]) {
  try {
    await client.send(command);
    out[name] = { ok: true };
  } catch (error) {
    out[name] = { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
}
console.log(JSON.stringify(out));
