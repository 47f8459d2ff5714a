-- =====================================================================================
-- EdgeSync: PostgreSQL schema for the Orleans ADO.NET providers (Orleans 10.4.2,
-- invariant "Npgsql"): cluster membership, grain state and reminders.
--
-- Written for this project from the provider contract; it is not a copy of the
-- scripts that ship with Orleans. The providers only know the table OrleansQuery:
-- at start-up they read (QueryKey, QueryText) rows from it and later run those texts
-- with named parameters (@Name). Everything else below is our own design, as long as
-- each query accepts the parameters the provider binds and returns the columns it reads.
--
-- Idempotent: safe to run at every start. Run it inside ONE transaction
-- (EdgeSync.Silo.Database.OrleansSchema.ApplyAsync does; with psql use --single-transaction),
-- so that the advisory lock below is held until COMMIT and two processes starting at the
-- same time apply it one after the other.
-- =====================================================================================

-- Serialise concurrent appliers. The key is an arbitrary constant owned by this script.
SELECT pg_advisory_xact_lock(7305118842617301);

-- -------------------------------------------------------------------------------------
-- Query catalogue read by every provider: SELECT QueryKey, QueryText FROM OrleansQuery
-- -------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64) NOT NULL,
    querytext text        NOT NULL,
    CONSTRAINT pk_orleansquery PRIMARY KEY (querykey)
);

-- -------------------------------------------------------------------------------------
-- Clustering. One version row per cluster (DeploymentId = ClusterOptions.ClusterId);
-- its integer "version" is the table etag. Every membership insert/update must present
-- the version it read and bumps it by one in the same statement (compare-and-swap).
-- -------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleansmembershipversiontable
(
    deploymentid text        NOT NULL,
    version      integer     NOT NULL DEFAULT 0,
    changedat    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_orleansmembershipversion PRIMARY KEY (deploymentid)
);

CREATE TABLE IF NOT EXISTS orleansmembershiptable
(
    deploymentid text        NOT NULL,
    address      text        NOT NULL,
    port         integer     NOT NULL,
    generation   integer     NOT NULL,
    siloname     text        NOT NULL,
    hostname     text        NOT NULL,
    status       integer     NOT NULL,           -- Orleans SiloStatus: 3 = Active, 6 = Dead
    proxyport    integer     NOT NULL DEFAULT 0, -- gateway port, 0 when the silo has no gateway
    suspecttimes text,                           -- "silo,date|silo,date" as formatted by Orleans
    starttime    timestamptz NOT NULL,
    iamalivetime timestamptz NOT NULL,
    CONSTRAINT pk_orleansmembership PRIMARY KEY (deploymentid, address, port, generation),
    CONSTRAINT fk_orleansmembership_version FOREIGN KEY (deploymentid)
        REFERENCES orleansmembershipversiontable (deploymentid) ON DELETE CASCADE
);

-- -------------------------------------------------------------------------------------
-- Grain state. Rows are found by two int hashes plus the exact identity
-- (service, grain type, N0/N1 numeric key parts, string key or key extension).
-- "version" is the grain's etag; NULL etag from the provider means "no row expected".
-- -------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleansstorage
(
    grainidhash            integer     NOT NULL,
    graintypehash          integer     NOT NULL,
    serviceid              text        NOT NULL,
    grainidn0              bigint      NOT NULL,
    grainidn1              bigint      NOT NULL,
    graintypestring        text        NOT NULL,
    grainidextensionstring text,                 -- string key, or the extension of a compound key
    payloadbinary          bytea,                -- NULL after a clear that keeps the row
    version                integer     NOT NULL,
    modifiedon             timestamptz NOT NULL DEFAULT now()
);

-- One row per grain identity. The free-text parts go in as md5 digests so that long keys
-- never hit the btree entry size limit; NULLS NOT DISTINCT (PostgreSQL 15+) makes a
-- missing key extension count as one value. This index is what makes a racing
-- "first write" lose (ON CONFLICT DO NOTHING) instead of creating a duplicate row.
-- Indexes are created only when missing: CREATE INDEX IF NOT EXISTS would still take a
-- SHARE lock on the table, stalling live silos' writes while a rerun of this script commits.
DO $ddl$
BEGIN
    IF to_regclass('ux_orleansstorage_identity') IS NULL THEN
        CREATE UNIQUE INDEX ux_orleansstorage_identity
            ON orleansstorage (grainidhash, graintypehash, serviceid, grainidn0, grainidn1,
                               md5(graintypestring), md5(grainidextensionstring))
            NULLS NOT DISTINCT;
    END IF;
END
$ddl$;

-- -------------------------------------------------------------------------------------
-- Reminders. "grainhash" is the grain's uniform hash stored as a signed int; the ring
-- range queries compare it with signed bounds. "version" is the reminder etag.
-- -------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleansreminderstable
(
    serviceid    text        NOT NULL,
    grainid      text        NOT NULL,
    remindername text        NOT NULL,
    starttime    timestamptz NOT NULL,
    period       bigint      NOT NULL,          -- milliseconds
    grainhash    integer     NOT NULL,
    version      integer     NOT NULL,
    CONSTRAINT pk_orleansreminders PRIMARY KEY (serviceid, grainid, remindername)
);

DO $ddl$
BEGIN
    IF to_regclass('ix_orleansreminders_ring') IS NULL THEN
        CREATE INDEX ix_orleansreminders_ring
            ON orleansreminderstable (serviceid, grainhash);
    END IF;
END
$ddl$;

COMMENT ON TABLE orleansquery IS
    'Orleans ADO.NET query catalogue; maintained by EdgeSync src/Silo/Database/orleans-postgresql.sql';

-- -------------------------------------------------------------------------------------
-- The query catalogue. Keys and parameter names are fixed by the Orleans 10.4.2
-- providers; result column names are matched case-insensitively by Npgsql.
-- -------------------------------------------------------------------------------------
INSERT INTO orleansquery AS q (querykey, querytext)
VALUES

-- ---- clustering ---------------------------------------------------------------------

-- Gateways a client may connect to. Params: DeploymentId, Status (always 3 = Active).
('GatewaysQueryKey', $q$
SELECT m.address    AS Address,
       m.proxyport  AS ProxyPort,
       m.generation AS Generation
FROM   orleansmembershiptable AS m
WHERE  m.deploymentid = @DeploymentId
  AND  m.status = @Status
  AND  m.proxyport > 0;
$q$),

-- One silo plus the table version. Must yield the version row even when the silo row
-- is missing (member columns NULL), so the silo filter sits in the join condition.
-- Params: DeploymentId, Address, Port, Generation.
('MembershipReadRowKey', $q$
SELECT v.version      AS Version,
       m.address      AS Address,
       m.port         AS Port,
       m.generation   AS Generation,
       m.siloname     AS SiloName,
       m.hostname     AS HostName,
       m.status       AS Status,
       m.proxyport    AS ProxyPort,
       m.suspecttimes AS SuspectTimes,
       m.starttime    AS StartTime,
       m.iamalivetime AS IAmAliveTime
FROM   orleansmembershipversiontable AS v
LEFT   JOIN orleansmembershiptable AS m
       ON  m.deploymentid = v.deploymentid
       AND m.address = @Address
       AND m.port = @Port
       AND m.generation = @Generation
WHERE  v.deploymentid = @DeploymentId;
$q$),

-- Every silo plus the table version (at least one row while the cluster exists).
-- Params: DeploymentId.
('MembershipReadAllKey', $q$
SELECT v.version      AS Version,
       m.address      AS Address,
       m.port         AS Port,
       m.generation   AS Generation,
       m.siloname     AS SiloName,
       m.hostname     AS HostName,
       m.status       AS Status,
       m.proxyport    AS ProxyPort,
       m.suspecttimes AS SuspectTimes,
       m.starttime    AS StartTime,
       m.iamalivetime AS IAmAliveTime
FROM   orleansmembershipversiontable AS v
LEFT   JOIN orleansmembershiptable AS m
       ON m.deploymentid = v.deploymentid
WHERE  v.deploymentid = @DeploymentId;
$q$),

-- Creates the cluster's version row once. Returns one boolean: true if this call created it.
-- Params: DeploymentId.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleansmembershipversiontable (deploymentid)
    VALUES (@DeploymentId)
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING deploymentid
)
SELECT EXISTS (SELECT 1 FROM created);
$q$),

-- Heartbeat; deliberately does not touch the table version.
-- Params: DeploymentId, Address, Port, Generation, IAmAliveTime.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleansmembershiptable AS m
SET    iamalivetime = @IAmAliveTime
WHERE  m.deploymentid = @DeploymentId
  AND  m.address = @Address
  AND  m.port = @Port
  AND  m.generation = @Generation;
$q$),

-- Adds a silo if the caller's table version is still current and the silo is not there
-- yet; bumps the version in the same statement. Returns one boolean.
-- Params: DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
--         StartTime, IAmAliveTime, Version (the version the caller read).
('InsertMembershipKey', $q$
WITH claimed AS (
    UPDATE orleansmembershipversiontable AS v
    SET    version = v.version + 1,
           changedat = now()
    WHERE  v.deploymentid = @DeploymentId
      AND  v.version = @Version
      AND  NOT EXISTS (SELECT 1
                       FROM   orleansmembershiptable AS x
                       WHERE  x.deploymentid = @DeploymentId
                         AND  x.address = @Address
                         AND  x.port = @Port
                         AND  x.generation = @Generation)
    RETURNING v.deploymentid
), added AS (
    INSERT INTO orleansmembershiptable
           (deploymentid, address, port, generation, siloname, hostname,
            status, proxyport, starttime, iamalivetime)
    SELECT c.deploymentid, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM   claimed AS c
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM added);
$q$),

-- Changes a silo's status/suspicions/heartbeat if the caller's table version is still
-- current; bumps the version in the same statement. Returns one boolean.
-- Params: DeploymentId, Address, Port, Generation, IAmAliveTime, Status, SuspectTimes, Version.
('UpdateMembershipKey', $q$
WITH claimed AS (
    UPDATE orleansmembershipversiontable AS v
    SET    version = v.version + 1,
           changedat = now()
    WHERE  v.deploymentid = @DeploymentId
      AND  v.version = @Version
      AND  EXISTS (SELECT 1
                   FROM   orleansmembershiptable AS x
                   WHERE  x.deploymentid = @DeploymentId
                     AND  x.address = @Address
                     AND  x.port = @Port
                     AND  x.generation = @Generation)
    RETURNING v.deploymentid
), changed AS (
    UPDATE orleansmembershiptable AS m
    SET    status = @Status,
           suspecttimes = @SuspectTimes,
           iamalivetime = @IAmAliveTime
    FROM   claimed AS c
    WHERE  m.deploymentid = c.deploymentid
      AND  m.address = @Address
      AND  m.port = @Port
      AND  m.generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM changed);
$q$),

-- Drops a whole cluster (the silo rows go with it through ON DELETE CASCADE).
-- Params: DeploymentId.
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleansmembershipversiontable
WHERE  deploymentid = @DeploymentId;
$q$),

-- Bulk clean-up of dead silos idle since the cutoff. Orleans 10.4.2 only uses it when
-- CleanupDefunctSiloEntryKey is absent. Params: DeploymentId, IAmAliveTime (the cutoff).
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleansmembershiptable AS m
WHERE  m.deploymentid = @DeploymentId
  AND  m.status = 6
  AND  m.iamalivetime < @IAmAliveTime
  AND  m.starttime < @IAmAliveTime;
$q$),

-- Per-row clean-up: the provider decides eligibility from a ReadAll and deletes a dead
-- row only if it still holds the values it saw. Empty and NULL suspect lists are the
-- same thing to the provider, hence the coalesce.
-- Params: DeploymentId, Address, Port, Generation, SuspectTimes, StartTime, IAmAliveTime.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleansmembershiptable AS m
WHERE  m.deploymentid = @DeploymentId
  AND  m.address = @Address
  AND  m.port = @Port
  AND  m.generation = @Generation
  AND  m.status = 6
  AND  m.starttime = @StartTime
  AND  m.iamalivetime = @IAmAliveTime
  AND  coalesce(m.suspecttimes, '') = coalesce(@SuspectTimes, '');
$q$),

-- ---- grain persistence --------------------------------------------------------------
-- Every storage query gets: GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash,
-- GrainTypeString, GrainIdExtensionString (may be NULL), ServiceId; writes and clears
-- also GrainStateVersion (NULL = caller has never seen a row), writes PayloadBinary.

-- Returns zero or one row: PayloadBinary (NULL after a clear) and Version.
('ReadFromStorageKey', $q$
SELECT s.payloadbinary AS PayloadBinary,
       s.version       AS Version
FROM   orleansstorage AS s
WHERE  s.grainidhash = @GrainIdHash
  AND  s.graintypehash = @GrainTypeHash
  AND  s.serviceid = @ServiceId
  AND  s.grainidn0 = @GrainIdN0
  AND  s.grainidn1 = @GrainIdN1
  AND  s.graintypestring = @GrainTypeString
  AND  s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString;
$q$),

-- Optimistic write. With a NULL etag only a first insert may succeed (version 1); with
-- an etag only the row still at that version is updated (version + 1). Returns one row
-- NewGrainStateVersion on success and no row on conflict, which the provider turns into
-- an InconsistentStateException.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleansstorage AS s
    SET    payloadbinary = @PayloadBinary,
           version = s.version + 1,
           modifiedon = now()
    WHERE  @GrainStateVersion IS NOT NULL
      AND  s.grainidhash = @GrainIdHash
      AND  s.graintypehash = @GrainTypeHash
      AND  s.serviceid = @ServiceId
      AND  s.grainidn0 = @GrainIdN0
      AND  s.grainidn1 = @GrainIdN1
      AND  s.graintypestring = @GrainTypeString
      AND  s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
      AND  s.version = @GrainStateVersion
    RETURNING s.version
), inserted AS (
    INSERT INTO orleansstorage
           (grainidhash, graintypehash, serviceid, grainidn0, grainidn1,
            graintypestring, grainidextensionstring, payloadbinary, version)
    SELECT @GrainIdHash, @GrainTypeHash, @ServiceId, @GrainIdN0, @GrainIdN1,
           @GrainTypeString, @GrainIdExtensionString, @PayloadBinary, 1
    WHERE  @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
)
SELECT version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT version FROM inserted;
$q$),

-- Clear that keeps the row: payload to NULL, version + 1. Returns the new version as the
-- first column, or no row on an etag mismatch.
('ClearStorageKey', $q$
UPDATE orleansstorage AS s
SET    payloadbinary = NULL,
       version = s.version + 1,
       modifiedon = now()
WHERE  s.grainidhash = @GrainIdHash
  AND  s.graintypehash = @GrainTypeHash
  AND  s.serviceid = @ServiceId
  AND  s.grainidn0 = @GrainIdN0
  AND  s.grainidn1 = @GrainIdN1
  AND  s.graintypestring = @GrainTypeString
  AND  s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
  AND  s.version = @GrainStateVersion
RETURNING s.version AS NewGrainStateVersion;
$q$),

-- Clear with DeleteStateOnClear = true: removes the row if the etag matches. Returns a
-- value different from the old etag (the provider then forgets the etag), or no row.
('DeleteStorageKey', $q$
DELETE FROM orleansstorage AS s
WHERE  s.grainidhash = @GrainIdHash
  AND  s.graintypehash = @GrainTypeHash
  AND  s.serviceid = @ServiceId
  AND  s.grainidn0 = @GrainIdN0
  AND  s.grainidn1 = @GrainIdN1
  AND  s.graintypestring = @GrainTypeString
  AND  s.grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
  AND  s.version = @GrainStateVersion
RETURNING s.version + 1 AS NewGrainStateVersion;
$q$),

-- ---- reminders ----------------------------------------------------------------------
-- Result columns for reads: GrainId, ReminderName, StartTime, Period (ms), Version.

-- All reminders of one grain. Params: ServiceId, GrainId.
('ReadReminderRowsKey', $q$
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  r.grainid = @GrainId;
$q$),

-- Ring range (BeginHash, EndHash] when BeginHash < EndHash as signed ints.
-- Params: ServiceId, BeginHash, EndHash.
('ReadRangeRows1Key', $q$
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  r.grainhash > @BeginHash
  AND  r.grainhash <= @EndHash;
$q$),

-- Ring range that wraps around in signed order (also the whole ring when Begin = End).
-- Params: ServiceId, BeginHash, EndHash.
('ReadRangeRows2Key', $q$
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  (r.grainhash > @BeginHash OR r.grainhash <= @EndHash);
$q$),

-- One reminder, zero or one row. Params: ServiceId, GrainId, ReminderName.
('ReadReminderRowKey', $q$
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  r.grainid = @GrainId
  AND  r.remindername = @ReminderName;
$q$),

-- Insert or replace; every write yields a new etag. Returns one row: Version.
-- Params: ServiceId, GrainHash, GrainId, ReminderName, StartTime, Period (int or bigint ms).
('UpsertReminderRowKey', $q$
INSERT INTO orleansreminderstable AS r
       (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
SET    starttime = excluded.starttime,
       period    = excluded.period,
       grainhash = excluded.grainhash,
       version   = r.version + 1
RETURNING r.version AS Version;
$q$),

-- Delete only at the expected etag. Returns one boolean.
-- Params: ServiceId, GrainId, ReminderName, Version.
('DeleteReminderRowKey', $q$
WITH removed AS (
    DELETE FROM orleansreminderstable AS r
    WHERE  r.serviceid = @ServiceId
      AND  r.grainid = @GrainId
      AND  r.remindername = @ReminderName
      AND  r.version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM removed);
$q$),

-- Every reminder of a service (used by tests and tooling). Params: ServiceId.
('DeleteReminderRowsKey', $q$
DELETE FROM orleansreminderstable
WHERE  serviceid = @ServiceId;
$q$)

ON CONFLICT (querykey) DO UPDATE
SET    querytext = excluded.querytext
WHERE  q.querytext IS DISTINCT FROM excluded.querytext;
