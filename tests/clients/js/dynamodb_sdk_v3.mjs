// The AWS SDK for JavaScript v3 against Fogbank: the low-level client, its waiters and paginators, and
// lib-dynamodb's document client (native JS values, sets, batches, transactions). Prints what it read as JSON;
// tests/clients/test_javascript_sdk.py checks it. Any exception fails the script (exit 1).
import {
  CreateTableCommand, DeleteTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, paginateListTables, paginateScan,
  UpdateTimeToLiveCommand, waitUntilTableExists, waitUntilTableNotExists,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand, BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, paginateQuery,
  PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand,
} from "@aws-sdk/lib-dynamodb";

const client = new DynamoDBClient({
  endpoint: process.env.FOGBANK_ENDPOINT, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
const out = {};
const TableName = "js-orders";

await client.send(new CreateTableCommand({
  TableName, BillingMode: "PAY_PER_REQUEST",
  AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }, { AttributeName: "sk", AttributeType: "N" }],
  KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
}));
out.waiter = (await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName })).state;
await client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { Enabled: true, AttributeName: "ttl" } }));

await doc.send(new PutCommand({
  TableName,
  Item: { pk: "a", sk: 1, name: "first", tags: new Set(["x", "y"]), nums: new Set([1, 2]), nested: { list: [1, "two", null, true] }, gone: undefined },
  ConditionExpression: "attribute_not_exists(pk)",
}));
try {
  await doc.send(new PutCommand({ TableName, Item: { pk: "a", sk: 1 }, ConditionExpression: "attribute_not_exists(pk)" }));
} catch (error) {
  out.conditional = { name: error.name, status: error.$metadata.httpStatusCode };
}
const got = (await doc.send(new GetCommand({ TableName, Key: { pk: "a", sk: 1 } }))).Item;
out.get = { ...got, tags: [...got.tags].sort(), nums: [...got.nums].sort() };
out.update = (await doc.send(new UpdateCommand({
  TableName, Key: { pk: "a", sk: 1 },
  UpdateExpression: "SET #n = :n ADD hits :one, tags :t", ExpressionAttributeNames: { "#n": "name" },
  ExpressionAttributeValues: { ":n": "renamed", ":one": 1, ":t": new Set(["z"]) }, ReturnValues: "UPDATED_NEW",
}))).Attributes;
out.update.tags = [...out.update.tags].sort();

const items = [];
for (let sk = 2; sk <= 30; sk++) items.push({ PutRequest: { Item: { pk: "a", sk, n: sk } } });
for (let i = 0; i < items.length; i += 25) {
  const result = await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: items.slice(i, i + 25) } }));
  if (Object.keys(result.UnprocessedItems ?? {}).length) throw new Error("unprocessed items");
}
const batch = await doc.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [{ pk: "a", sk: 2 }, { pk: "a", sk: 3 }] } } }));
out.batchGet = batch.Responses[TableName].map((item) => item.sk).sort((x, y) => x - y);

await doc.send(new TransactWriteCommand({ TransactItems: [
  { Put: { TableName, Item: { pk: "b", sk: 1 } } },
  { Update: { TableName, Key: { pk: "a", sk: 2 }, UpdateExpression: "SET n = n + :d", ExpressionAttributeValues: { ":d": 100 } } },
  { ConditionCheck: { TableName, Key: { pk: "a", sk: 3 }, ConditionExpression: "attribute_exists(pk)" } },
] }));
try {
  await doc.send(new TransactWriteCommand({ TransactItems: [
    { Delete: { TableName, Key: { pk: "b", sk: 1 } } },
    { ConditionCheck: { TableName, Key: { pk: "none", sk: 0 }, ConditionExpression: "attribute_exists(pk)" } },
  ] }));
} catch (error) {
  out.cancelled = { name: error.name, reasons: error.CancellationReasons.map((r) => r.Code) };
}

const pages = [];
for await (const page of paginateQuery({ client: doc, pageSize: 7 }, {
  TableName, KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
  ExpressionAttributeValues: { ":pk": "a", ":lo": 2, ":hi": 30 }, ScanIndexForward: false,
})) pages.push(page.Items.map((item) => item.sk));
out.queryPages = pages;
out.query = (await doc.send(new QueryCommand({
  TableName, KeyConditionExpression: "pk = :pk", FilterExpression: "n > :n",
  ExpressionAttributeValues: { ":pk": "a", ":n": 28 }, Select: "COUNT",
}))).Count;
let scanned = 0;
for await (const page of paginateScan({ client, pageSize: 10 }, { TableName })) scanned += page.Count;
out.scanned = scanned;
await doc.send(new DeleteCommand({ TableName, Key: { pk: "b", sk: 1 } }));
out.ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName }))).TimeToLiveDescription;

const names = [];
for await (const page of paginateListTables({ client, pageSize: 1 }, {})) names.push(...page.TableNames);
out.tables = names;
await client.send(new DeleteTableCommand({ TableName }));
out.deleted = (await waitUntilTableNotExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName })).state;
console.log(JSON.stringify(out));
