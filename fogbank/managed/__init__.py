"""The shared layer of managed resources: what every service that runs engines behind AWS
resources needs (RDS, ElastiCache, and the ones to come). See docs/platform.md, "Managed resources".

- ``records``: the resource record (AWS fields + typed private bookkeeping) and the account/region scope;
- ``lifecycle``: statuses and the transitions each resource kind allows;
- ``store``: one durable JSON document per account and region, for every service;
- ``jobs``: one background queue per resource, the grace wait, retries with backoff;
- ``events``: what happened, kept 14 days, filtered as DescribeEvents does;
- ``recovery``: what each resource becomes when Fogbank starts;
- ``ports``: engine ports, and the port-stolen retry;
- ``supervision``: a dead engine's restart told as status changes and events;
- ``tags``: tag lists checked, merged and removed with AWS's limits.
"""
