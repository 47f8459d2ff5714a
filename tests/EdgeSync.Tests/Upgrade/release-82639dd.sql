-- A database written by EdgeSync at commit 82639dd (the release before the quick-append/own-snapshot
-- write path): pg_dump --column-inserts of a node after a device published two tables, one
-- approved (3 mirror rows), one still waiting for its review (2 staged rows). Used by UpgradeTests.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: edge_mirror; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA edge_mirror;


--
-- Name: edgesync; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA edgesync;


--
-- Name: mt_archive_stream(uuid); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_archive_stream(streamid uuid) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
  update edgesync.mt_streams set is_archived = TRUE where id = streamid ;
  update edgesync.mt_events set is_archived = TRUE where stream_id = streamid ;
END;
$$;


--
-- Name: mt_grams_array(text, boolean); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_grams_array(words text, use_unaccent boolean DEFAULT false) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $$
        DECLARE
result text[];
        DECLARE
word text;
        DECLARE
clean_word text;
BEGIN
                FOREACH
word IN ARRAY string_to_array(words, ' ')
                LOOP
                     clean_word = regexp_replace(edgesync.mt_safe_unaccent(use_unaccent, word), '[^a-zA-Z0-9]+', '','g');
FOR i IN 1 .. length(clean_word)
                     LOOP
                         result := result || quote_literal(substr(lower(clean_word), i, 1));
                         result
:= result || quote_literal(substr(lower(clean_word), i, 2));
                         result
:= result || quote_literal(substr(lower(clean_word), i, 3));
END LOOP;
END LOOP;

RETURN ARRAY(SELECT DISTINCT e FROM unnest(result) AS a(e) ORDER BY e);
END;
$$;


--
-- Name: mt_grams_query(text, boolean); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_grams_query(text, use_unaccent boolean DEFAULT false) RETURNS tsquery
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $_$
BEGIN
RETURN (SELECT array_to_string(edgesync.mt_grams_array($1, use_unaccent), ' & ') ::tsquery);
END
$_$;


--
-- Name: mt_grams_vector(text, boolean); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_grams_vector(text, use_unaccent boolean DEFAULT false) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $_$
BEGIN
RETURN (SELECT array_to_string(edgesync.mt_grams_array($1, use_unaccent), ' ') ::tsvector);
END
$_$;


--
-- Name: mt_immutable_date(text); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_immutable_date(value text) RETURNS date
    LANGUAGE sql IMMUTABLE
    AS $$
select value::date

$$;


--
-- Name: mt_immutable_time(text); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_immutable_time(value text) RETURNS time without time zone
    LANGUAGE sql IMMUTABLE
    AS $$
select value::time

$$;


--
-- Name: mt_immutable_timestamp(text); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_immutable_timestamp(value text) RETURNS timestamp without time zone
    LANGUAGE sql IMMUTABLE
    AS $$
select value::timestamp

$$;


--
-- Name: mt_immutable_timestamptz(text); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_immutable_timestamptz(value text) RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE
    AS $$
select value::timestamptz

$$;


--
-- Name: mt_jsonb_append(jsonb, text[], jsonb, boolean, jsonb); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_append(jsonb, text[], jsonb, boolean, jsonb DEFAULT NULL::jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    location ALIAS FOR $2;
    val ALIAS FOR $3;
    if_not_exists ALIAS FOR $4;
    patch_expression ALIAS FOR $5;
    tmp_value jsonb;
BEGIN
    tmp_value = retval #> location;
    IF tmp_value IS NOT NULL AND jsonb_typeof(tmp_value) = 'array' THEN
        CASE
            WHEN NOT if_not_exists THEN
                retval = jsonb_set(retval, location, tmp_value || val, FALSE);
            WHEN patch_expression IS NULL AND jsonb_typeof(val) = 'object' AND NOT tmp_value @> jsonb_build_array(val) THEN
                retval = jsonb_set(retval, location, tmp_value || val, FALSE);
            WHEN patch_expression IS NULL AND jsonb_typeof(val) <> 'object' AND NOT tmp_value @> val THEN
                retval = jsonb_set(retval, location, tmp_value || val, FALSE);
            WHEN patch_expression IS NOT NULL AND jsonb_typeof(patch_expression) = 'array' AND jsonb_array_length(patch_expression) = 0 THEN
                retval = jsonb_set(retval, location, tmp_value || val, FALSE);
            ELSE NULL;
            END CASE;
    END IF;
    RETURN retval;
END;
$_$;


--
-- Name: mt_jsonb_append_key_value(jsonb, text[], jsonb, boolean); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_append_key_value(jsonb, text[], jsonb, boolean) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    location ALIAS FOR $2;
    val ALIAS FOR $3;
    if_not_exists ALIAS FOR $4;
    tmp_value jsonb;
    _key text;
BEGIN
    tmp_value = retval #> location;

    IF tmp_value IS NOT NULL AND jsonb_typeof(tmp_value) = 'object' THEN
        CASE
            WHEN NOT if_not_exists THEN
                retval = jsonb_set(retval, location, tmp_value || val, FALSE);
            WHEN NOT tmp_value ?| ARRAY(SELECT jsonb_object_keys(val)) THEN
                retval = jsonb_set(retval, location, tmp_value || val, FALSE);
            ELSE NULL;
        END CASE;
    END IF;
    RETURN retval;
END;
$_$;


--
-- Name: mt_jsonb_copy(jsonb, text[], text[]); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_copy(jsonb, text[], text[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    src_path ALIAS FOR $2;
    dst_path ALIAS FOR $3;
    tmp_value jsonb;
BEGIN
    tmp_value = retval #> src_path;
    retval = edgesync.mt_jsonb_fix_null_parent(retval, dst_path);
    RETURN jsonb_set(retval, dst_path, tmp_value::jsonb, TRUE);
END;
$_$;


--
-- Name: mt_jsonb_duplicate(jsonb, text[], jsonb); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_duplicate(jsonb, text[], jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    location ALIAS FOR $2;
    targets ALIAS FOR $3;
    tmp_value jsonb;
    target_path text[];
    target text;
BEGIN
    FOR target IN SELECT jsonb_array_elements_text(targets)
    LOOP
        target_path = edgesync.mt_jsonb_path_to_array(target, '\.');
        retval = edgesync.mt_jsonb_copy(retval, location, target_path);
    END LOOP;

    RETURN retval;
END;
$_$;


--
-- Name: mt_jsonb_fix_null_parent(jsonb, text[]); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_fix_null_parent(jsonb, text[]) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
retval ALIAS FOR $1;
    dst_path ALIAS FOR $2;
    dst_path_segment text[] = ARRAY[]::text[];
    dst_path_array_length integer;
    i integer = 1;
BEGIN
    dst_path_array_length = array_length(dst_path, 1);
    WHILE i <=(dst_path_array_length - 1)
    LOOP
        dst_path_segment = dst_path_segment || ARRAY[dst_path[i]];
        IF retval #> dst_path_segment IS NULL OR retval #> dst_path_segment = 'null'::jsonb THEN
            retval = jsonb_set(retval, dst_path_segment, '{}'::jsonb, TRUE);
        END IF;
        i = i + 1;
    END LOOP;

    RETURN retval;
END;
$_$;


--
-- Name: mt_jsonb_increment(jsonb, text[], numeric); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_increment(jsonb, text[], numeric) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
retval ALIAS FOR $1;
    location ALIAS FOR $2;
    increment_value ALIAS FOR $3;
    tmp_value jsonb;
BEGIN
    tmp_value = retval #> location;
    IF tmp_value IS NULL THEN
        tmp_value = to_jsonb(0);
END IF;

RETURN jsonb_set(retval, location, to_jsonb(tmp_value::numeric + increment_value), TRUE);
END;
$_$;


--
-- Name: mt_jsonb_insert(jsonb, text[], jsonb, integer, boolean, jsonb); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_insert(jsonb, text[], jsonb, integer, boolean, jsonb DEFAULT NULL::jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    location ALIAS FOR $2;
    val ALIAS FOR $3;
    elm_index ALIAS FOR $4;
    if_not_exists ALIAS FOR $5;
    patch_expression ALIAS FOR $6;
    tmp_value jsonb;
BEGIN
    tmp_value = retval #> location;
    IF tmp_value IS NOT NULL AND jsonb_typeof(tmp_value) = 'array' THEN
        IF elm_index IS NULL THEN
            elm_index = jsonb_array_length(tmp_value) + 1;
        END IF;
        CASE
            WHEN NOT if_not_exists THEN
                retval = jsonb_insert(retval, location || elm_index::text, val);
            WHEN patch_expression IS NULL AND jsonb_typeof(val) = 'object' AND NOT tmp_value @> jsonb_build_array(val) THEN
                retval = jsonb_insert(retval, location || elm_index::text, val);
            WHEN patch_expression IS NULL AND jsonb_typeof(val) <> 'object' AND NOT tmp_value @> val THEN
                retval = jsonb_insert(retval, location || elm_index::text, val);
            WHEN patch_expression IS NOT NULL AND jsonb_typeof(patch_expression) = 'array' AND jsonb_array_length(patch_expression) = 0 THEN
                retval = jsonb_insert(retval, location || elm_index::text, val);
            ELSE NULL;
        END CASE;
    END IF;
    RETURN retval;
END;
$_$;


--
-- Name: mt_jsonb_move(jsonb, text[], text); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_move(jsonb, text[], text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    src_path ALIAS FOR $2;
    dst_name ALIAS FOR $3;
    dst_path text[];
    tmp_value jsonb;
BEGIN
    tmp_value = retval #> src_path;
    retval = retval #- src_path;
    dst_path = src_path;
    dst_path[array_length(dst_path, 1)] = dst_name;
    retval = edgesync.mt_jsonb_fix_null_parent(retval, dst_path);
    RETURN jsonb_set(retval, dst_path, tmp_value, TRUE);
END;
$_$;


--
-- Name: mt_jsonb_patch(jsonb, jsonb); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_patch(jsonb, jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    patchset ALIAS FOR $2;
    patch jsonb;
    patch_path text[];
    patch_expression jsonb;
    value jsonb;
BEGIN
    FOR patch IN SELECT * from jsonb_array_elements(patchset)
    LOOP
        patch_path = edgesync.mt_jsonb_path_to_array((patch->>'path')::text, '\.');

        patch_expression = null;
        IF (patch->>'type') IN ('remove', 'append_if_not_exists', 'insert_if_not_exists') AND (patch->>'expression') IS NOT NULL THEN
            patch_expression = jsonb_path_query_array(retval #> patch_path, (patch->>'expression')::jsonpath);
        END IF;

        CASE patch->>'type'
            WHEN 'set' THEN
                retval = jsonb_set(retval, patch_path, (patch->'value')::jsonb, TRUE);
            WHEN 'delete' THEN
                retval = retval#-patch_path;
            WHEN 'append' THEN
                retval = edgesync.mt_jsonb_append(retval, patch_path, (patch->'value')::jsonb, FALSE);
            WHEN 'append_if_not_exists' THEN
                retval = edgesync.mt_jsonb_append(retval, patch_path, (patch->'value')::jsonb, TRUE, patch_expression);
            WHEN 'append_key_value' THEN
                retval = edgesync.mt_jsonb_append_key_value(retval, patch_path, (patch->'key_value')::jsonb, FALSE);
            WHEN 'append_key_value_if_not_exists' THEN
                retval = edgesync.mt_jsonb_append_key_value(retval, patch_path, (patch->'key_value')::jsonb, TRUE);
            WHEN 'insert' THEN
                retval = edgesync.mt_jsonb_insert(retval, patch_path, (patch->'value')::jsonb, (patch->>'index')::integer, FALSE);
            WHEN 'insert_if_not_exists' THEN
                retval = edgesync.mt_jsonb_insert(retval, patch_path, (patch->'value')::jsonb, (patch->>'index')::integer, TRUE, patch_expression);
            WHEN 'remove' THEN
                retval = edgesync.mt_jsonb_remove(retval, patch_path, COALESCE(patch_expression, (patch->'value')::jsonb));
            WHEN 'remove_key' THEN
                retval = edgesync.mt_jsonb_remove_key(retval, patch_path, (patch->>'key'));
            WHEN 'duplicate' THEN
                retval = edgesync.mt_jsonb_duplicate(retval, patch_path, (patch->'targets')::jsonb);
            WHEN 'rename' THEN
                retval = edgesync.mt_jsonb_move(retval, patch_path, (patch->>'to')::text);
            WHEN 'increment' THEN
                retval = edgesync.mt_jsonb_increment(retval, patch_path, (patch->>'increment')::numeric);
            WHEN 'increment_float' THEN
                retval = edgesync.mt_jsonb_increment(retval, patch_path, (patch->>'increment')::numeric);
            ELSE NULL;
        END CASE;
    END LOOP;
    RETURN retval;
END;
$_$;


--
-- Name: mt_jsonb_path_to_array(text, character); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_path_to_array(text, character) RETURNS text[]
    LANGUAGE plpgsql
    AS $_$
DECLARE
    location ALIAS FOR $1;
    regex_pattern ALIAS FOR $2;
BEGIN
RETURN regexp_split_to_array(location, regex_pattern)::text[];
END;
$_$;


--
-- Name: mt_jsonb_remove(jsonb, text[], jsonb); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_remove(jsonb, text[], jsonb) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    location ALIAS FOR $2;
    val ALIAS FOR $3;
    tmp_value jsonb;
    tmp_remove jsonb;
    patch_remove jsonb;
BEGIN
    tmp_value = retval #> location;
    IF tmp_value IS NOT NULL AND jsonb_typeof(tmp_value) = 'array' THEN
        IF jsonb_typeof(val) = 'array' THEN
            tmp_remove = val;
        ELSE
            tmp_remove = jsonb_build_array(val);
        END IF;

        FOR patch_remove IN SELECT * FROM jsonb_array_elements(tmp_remove)
        LOOP
            tmp_value =(SELECT jsonb_agg(elem)
            FROM jsonb_array_elements(tmp_value) AS elem
            WHERE elem <> patch_remove);
        END LOOP;

        IF tmp_value IS NULL THEN
            tmp_value = '[]'::jsonb;
        END IF;
    END IF;
    RETURN jsonb_set(retval, location, tmp_value, FALSE);
END;
$_$;


--
-- Name: mt_jsonb_remove_key(jsonb, text[], text); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_jsonb_remove_key(jsonb, text[], text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $_$
DECLARE
    retval ALIAS FOR $1;
    location ALIAS FOR $2;
    _key ALIAS FOR $3;
    tmp_value jsonb;
    tmp_remove jsonb;
    patch_remove jsonb;
BEGIN
    tmp_value = retval #> location;
    IF tmp_value IS NOT NULL AND jsonb_typeof(tmp_value) = 'object' THEN
        RETURN jsonb_set(retval, location, tmp_value - _key, FALSE);
    END IF;
    RETURN retval;
END;
$_$;


--
-- Name: mt_mark_event_progression(character varying, bigint); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_mark_event_progression(name character varying, last_encountered bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
INSERT INTO edgesync.mt_event_progression (name, last_seq_id, last_updated)
VALUES (name, last_encountered, transaction_timestamp())
ON CONFLICT ON CONSTRAINT pk_mt_event_progression
    DO
UPDATE SET last_seq_id = last_encountered, last_updated = transaction_timestamp();

END;

$$;


--
-- Name: mt_mark_progression_with_skip(character varying, bigint, bigint); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_mark_progression_with_skip(shard_name character varying, ending_sequence bigint, starting_sequence bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    current_value bigint;
BEGIN
    select last_seq_id into current_value from edgesync.mt_event_progression where name = shard_name;

    IF current_value is null then
        -- Bootstrap the high-water row on first invocation. Previously this branch
        -- returned 0, which left HighWaterAgent.CheckNowAsync polling forever because
        -- statistics.CurrentMark never advanced. Issue #4425.
        INSERT INTO edgesync.mt_event_progression (name, last_seq_id, last_updated)
        VALUES (shard_name, ending_sequence, transaction_timestamp())
        ON CONFLICT ON CONSTRAINT pk_mt_event_progression
            DO UPDATE SET last_seq_id = ending_sequence, last_updated = transaction_timestamp();
        IF ending_sequence > starting_sequence THEN
            -- Idempotent: a rebuild/replay re-marks the same skip (ending_sequence is the
            -- PK). Re-recording an existing gap is a no-op. Conflict target is the PK
            -- constraint (the bare column name collides with the function parameter). #4530.
            insert into edgesync.mt_high_water_skips (ending_sequence, starting_sequence) values (ending_sequence, starting_sequence)
                on conflict on constraint pkey_mt_high_water_skips_ending_sequence do nothing;
        END IF;
        return ending_sequence;
    ELSIF current_value = starting_sequence THEN
        update edgesync.mt_event_progression SET last_seq_id = ending_sequence, last_updated = transaction_timestamp() where shard_name = name;
        insert into edgesync.mt_high_water_skips (ending_sequence, starting_sequence) values (ending_sequence, starting_sequence)
            on conflict on constraint pkey_mt_high_water_skips_ending_sequence do nothing;
        return ending_sequence;
    ELSE
        return current_value;
    END IF;
END
$$;


--
-- Name: mt_quick_append_events(uuid, character varying, character varying, uuid[], character varying[], character varying[], jsonb[], bytea[], bigint); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_quick_append_events(stream uuid, stream_type character varying, tenantid character varying, event_ids uuid[], event_types character varying[], dotnet_types character varying[], bodies jsonb[], bdatas bytea[], expected_version bigint DEFAULT NULL::bigint) RETURNS bigint[]
    LANGUAGE plpgsql
    AS $$
DECLARE
	event_version bigint;
	stream_is_archived boolean;
	event_type varchar;
	event_id uuid;
	body jsonb;
	index int;
	seq bigint;
    actual_tenant varchar;
    is_new_stream boolean := false;
	return_value bigint[];
BEGIN
    if expected_version IS NOT NULL then
        -- COALESCE turns the NULL we get for a brand-new stream into 0, so a
        -- FetchForWriting against a non-existent stream (which sets
        -- ExpectedVersionOnServer = 0) and a StartStream(id, version: 0) both
        -- land on the new-stream branch instead of mis-firing the guard.
        select version, is_archived into event_version, stream_is_archived from edgesync.mt_streams where id = stream;
        if COALESCE(event_version, 0) != expected_version then
            RAISE EXCEPTION 'Stream version mismatch on ''%'': expected %, actual %', stream, expected_version, COALESCE(event_version, 0) USING ERRCODE = 'MT003';
        end if;
    else
        select version, is_archived into event_version, stream_is_archived from edgesync.mt_streams where id = stream;
    end if;

	if event_version IS NULL then
		event_version = 0;
		is_new_stream := true;
		-- #5456 follow-up: insert the FINAL version straight away rather than 0 plus a
		-- trailing UPDATE of the row we just wrote in this same transaction. That UPDATE
		-- is a second heap tuple + WAL record per stream creation for no observable gain
		-- -- nothing outside this transaction can see the intermediate 0. The trailing
		-- UPDATE below is skipped for this branch via is_new_stream.
		insert into edgesync.mt_streams (id, type, version, timestamp, tenant_id) values (stream, stream_type, COALESCE(array_length(event_ids, 1), 0), now(), tenantid);
    else
        if stream_is_archived then
            RAISE EXCEPTION 'Attempted to append event to archived stream with Id ''%''.', stream USING ERRCODE = 'MT001';
        end if;
        if tenantid IS NOT NULL then
            select tenant_id into actual_tenant from edgesync.mt_streams where id = stream;
            if actual_tenant != tenantid then
                RAISE EXCEPTION 'The tenantid does not match the existing stream';
            end if;
        end if;
	end if;

	index := 1;
	-- #5062: array_length('{}', 1) is NULL in PostgreSQL, not 0, so a call with an
	-- empty event array used to return ARRAY[NULL] -- a bigint[] whose only element
	-- is NULL, which Npgsql cannot read into long[] ('Cannot read a non-nullable
	-- collection of elements because the returned array contains nulls'). COALESCE
	-- makes the empty case mean what it says: zero events appended, so the final
	-- version is the stream's current version.
	return_value := ARRAY[event_version + COALESCE(array_length(event_ids, 1), 0)];

	foreach event_id in ARRAY event_ids
	loop
        seq := nextval('edgesync.mt_events_sequence');
		return_value := array_append(return_value, seq);

	    event_version := event_version + 1;
		event_type = event_types[index];
		body = bodies[index];

		-- #4515 / #4578 / Phase 2: bdatas[index] carries the binary payload
		-- for events opted in to binary serialization (NULL otherwise).
		-- bodies[index] is the {} JSON placeholder for those events so the
		-- existing data jsonb NOT NULL constraint stays intact.
		insert into edgesync.mt_events
			(seq_id, id, stream_id, version, data, bdata, type, tenant_id, timestamp, mt_dotnet_type, is_archived)
		values
			(seq, event_id, stream, event_version, body, bdatas[index], event_type, tenantid, (now() at time zone 'utc'), dotnet_types[index], FALSE);

		index := index + 1;
	end loop;

	-- A brand-new stream already carries its final version from the insert above, so the
	-- UPDATE is only needed when we appended onto a stream that already existed.
	--
	-- #5539: and only when we actually appended something. With ZERO events this was a BLIND write-back
	-- of the version read at the top of the function, and under READ COMMITTED that is a lost update: the
	-- UPDATE waits on a concurrent appender's row lock, the winner commits, the WHERE clause is
	-- re-evaluated against the new row, and `set version = <the stale value>` lands -- leaving
	-- mt_streams.version BELOW the stream's own events. Every later append then computes a version that
	-- already exists and dies on pk_mt_events_stream_and_version, forever, until the row is repaired by
	-- hand. A non-empty call cannot do this: its first INSERT collides with the winner on that same
	-- primary key and rolls the whole thing back, which is why only the empty case was exposed.
	--
	-- Two independent guards, because either alone would have been enough and the cost of both is nil:
	--   * the append count -- appending nothing has nothing to write, so the correct number of statements
	--     is zero rather than one that happens to be harmless;
	--   * greatest(), so the write-back can never LOWER a stream's version whoever calls it. An append
	--     only ever moves a version forward, so this is a no-op on every correct path and a backstop on
	--     any future caller that reads the version and then writes it back.
	if not is_new_stream and COALESCE(array_length(event_ids, 1), 0) > 0 then
		update edgesync.mt_streams set version = greatest(version, event_version), timestamp = now() where id = stream;
	end if;

	return return_value;
END
$$;


--
-- Name: mt_safe_unaccent(boolean, text); Type: FUNCTION; Schema: edgesync; Owner: -
--

CREATE FUNCTION edgesync.mt_safe_unaccent(use_unaccent boolean, word text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT
    AS $$
BEGIN
IF use_unaccent THEN
    RETURN public.unaccent(word);
ELSE
    RETURN word;
END IF;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: edge_mirror_01a21299_device_state; Type: TABLE; Schema: edge_mirror; Owner: -
--

CREATE TABLE edge_mirror.edge_mirror_01a21299_device_state (
    _edge_device_id uuid NOT NULL,
    _edge_journal_epoch uuid NOT NULL,
    _edge_commit_seq bigint NOT NULL,
    _edge_created_at timestamp with time zone DEFAULT now() NOT NULL,
    _edge_updated_at timestamp with time zone DEFAULT now() NOT NULL,
    id bigint NOT NULL,
    mode text,
    setpoint double precision
);


--
-- Name: TABLE edge_mirror_01a21299_device_state; Type: COMMENT; Schema: edge_mirror; Owner: -
--

COMMENT ON TABLE edge_mirror.edge_mirror_01a21299_device_state IS 'edgesync lineage=01a2129a-0e2d-7478-a7fe-8fac3aad18de device=01a21299-f952-7f2d-88f9-b4b6b2601b5b table=ZGV2aWNlX3N0YXRl';


--
-- Name: edge_export_segments; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.edge_export_segments (
    device_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    lineage_id uuid NOT NULL,
    source_table character varying NOT NULL,
    kind character varying NOT NULL,
    row_count integer NOT NULL,
    status character varying NOT NULL,
    redeliveries integer DEFAULT 0 NOT NULL,
    received_at timestamp with time zone NOT NULL,
    last_received_at timestamp with time zone NOT NULL
);


--
-- Name: edge_pending_controls; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.edge_pending_controls (
    control_id uuid NOT NULL,
    lineage_id uuid NOT NULL,
    device_id uuid NOT NULL,
    source_table character varying NOT NULL,
    control_kind character varying NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    last_sent_at timestamp with time zone,
    send_count integer DEFAULT 0 NOT NULL,
    acknowledged_at timestamp with time zone,
    superseded_at timestamp with time zone
);


--
-- Name: edge_rejections; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.edge_rejections (
    id bigint NOT NULL,
    project_id uuid NOT NULL,
    device_id uuid NOT NULL,
    topic character varying NOT NULL,
    source_table character varying,
    batch_id character varying,
    code character varying NOT NULL,
    detail character varying NOT NULL,
    payload_bytes integer NOT NULL,
    received_at timestamp with time zone NOT NULL
);


--
-- Name: edge_rejections_id_seq; Type: SEQUENCE; Schema: edgesync; Owner: -
--

CREATE SEQUENCE edgesync.edge_rejections_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: edge_rejections_id_seq; Type: SEQUENCE OWNED BY; Schema: edgesync; Owner: -
--

ALTER SEQUENCE edgesync.edge_rejections_id_seq OWNED BY edgesync.edge_rejections.id;


--
-- Name: edge_staged_rows; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.edge_staged_rows (
    lineage_id uuid NOT NULL,
    journal_epoch uuid NOT NULL,
    source_commit_seq bigint NOT NULL,
    device_id uuid NOT NULL,
    source_table character varying NOT NULL,
    op character varying NOT NULL,
    pk jsonb NOT NULL,
    row_inline jsonb,
    row_compressed bytea,
    bytes integer NOT NULL,
    staging_reason character varying NOT NULL,
    batch_id uuid NOT NULL,
    staged_at timestamp with time zone NOT NULL
);


--
-- Name: edge_telemetry_points; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.edge_telemetry_points (
    lineage_id uuid NOT NULL,
    data_point character varying NOT NULL,
    journal_epoch uuid NOT NULL,
    commit_seq bigint NOT NULL,
    project_id uuid NOT NULL,
    device_id uuid NOT NULL,
    ts timestamp with time zone NOT NULL,
    value_numeric double precision,
    value_text text
);


--
-- Name: mt_doc_deadletterevent; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_doc_deadletterevent (
    id uuid NOT NULL,
    data jsonb NOT NULL,
    mt_last_modified timestamp with time zone DEFAULT transaction_timestamp(),
    mt_version uuid DEFAULT (md5(((random())::text || (clock_timestamp())::text)))::uuid NOT NULL,
    mt_dotnet_type character varying
);


--
-- Name: mt_doc_device; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_doc_device (
    id uuid NOT NULL,
    data jsonb NOT NULL,
    mt_last_modified timestamp with time zone DEFAULT transaction_timestamp(),
    mt_version uuid DEFAULT (md5(((random())::text || (clock_timestamp())::text)))::uuid NOT NULL,
    mt_dotnet_type character varying
);


--
-- Name: mt_doc_idempotencyrecord; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_doc_idempotencyrecord (
    id character varying NOT NULL,
    data jsonb NOT NULL,
    mt_last_modified timestamp with time zone DEFAULT transaction_timestamp(),
    mt_version uuid DEFAULT (md5(((random())::text || (clock_timestamp())::text)))::uuid NOT NULL,
    mt_dotnet_type character varying
);


--
-- Name: mt_doc_lineage; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_doc_lineage (
    id uuid NOT NULL,
    data jsonb NOT NULL,
    mt_last_modified timestamp with time zone DEFAULT transaction_timestamp(),
    mt_dotnet_type character varying,
    mt_version bigint DEFAULT 0 NOT NULL
);


--
-- Name: mt_doc_project; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_doc_project (
    id uuid NOT NULL,
    data jsonb NOT NULL,
    mt_last_modified timestamp with time zone DEFAULT transaction_timestamp(),
    mt_version uuid DEFAULT (md5(((random())::text || (clock_timestamp())::text)))::uuid NOT NULL,
    mt_dotnet_type character varying
);


--
-- Name: mt_doc_schemareview; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_doc_schemareview (
    id uuid NOT NULL,
    data jsonb NOT NULL,
    mt_last_modified timestamp with time zone DEFAULT transaction_timestamp(),
    mt_dotnet_type character varying,
    mt_version bigint DEFAULT 0 NOT NULL
);


--
-- Name: mt_event_progression; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_event_progression (
    name character varying NOT NULL,
    last_seq_id bigint,
    last_updated timestamp with time zone DEFAULT transaction_timestamp(),
    mode character varying DEFAULT 'none'::character varying,
    rebuild_threshold integer DEFAULT 0,
    assigned_node integer DEFAULT 0,
    heartbeat timestamp with time zone,
    agent_status character varying(20),
    pause_reason text,
    running_on_node integer,
    warning_behind_threshold bigint,
    critical_behind_threshold bigint,
    failure_category character varying(50),
    failure_event_sequence bigint,
    failure_event_type character varying(500),
    failure_event_tenant_id character varying(500)
);


--
-- Name: mt_event_projection_floors; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_event_projection_floors (
    name character varying NOT NULL,
    tenant_id character varying NOT NULL,
    floor bigint NOT NULL,
    last_updated timestamp with time zone DEFAULT transaction_timestamp()
);


--
-- Name: mt_events; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_events (
    seq_id bigint NOT NULL,
    id uuid NOT NULL,
    stream_id uuid,
    version bigint NOT NULL,
    data jsonb NOT NULL,
    bdata bytea,
    type character varying(500) NOT NULL,
    "timestamp" timestamp with time zone DEFAULT '2026-11-25 12:06:36.306532+00'::timestamp with time zone NOT NULL,
    tenant_id character varying DEFAULT '*DEFAULT*'::character varying,
    mt_dotnet_type character varying,
    is_archived boolean DEFAULT false
);


--
-- Name: mt_events_sequence; Type: SEQUENCE; Schema: edgesync; Owner: -
--

CREATE SEQUENCE edgesync.mt_events_sequence
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: mt_events_sequence; Type: SEQUENCE OWNED BY; Schema: edgesync; Owner: -
--

ALTER SEQUENCE edgesync.mt_events_sequence OWNED BY edgesync.mt_events.seq_id;


--
-- Name: mt_high_water_skips; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_high_water_skips (
    ending_sequence bigint NOT NULL,
    starting_sequence bigint NOT NULL,
    "timestamp" timestamp with time zone DEFAULT transaction_timestamp()
);


--
-- Name: mt_streams; Type: TABLE; Schema: edgesync; Owner: -
--

CREATE TABLE edgesync.mt_streams (
    id uuid NOT NULL,
    type character varying,
    version bigint,
    "timestamp" timestamp with time zone DEFAULT now() NOT NULL,
    created timestamp with time zone DEFAULT now() NOT NULL,
    tenant_id character varying DEFAULT '*DEFAULT*'::character varying,
    compacted_version bigint DEFAULT 0 NOT NULL,
    is_archived boolean DEFAULT false
);


--
-- Name: orleansmembershiptable; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansmembershiptable (
    deploymentid text NOT NULL,
    address text NOT NULL,
    port integer NOT NULL,
    generation integer NOT NULL,
    siloname text NOT NULL,
    hostname text NOT NULL,
    status integer NOT NULL,
    proxyport integer DEFAULT 0 NOT NULL,
    suspecttimes text,
    starttime timestamp with time zone NOT NULL,
    iamalivetime timestamp with time zone NOT NULL
);


--
-- Name: orleansmembershipversiontable; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansmembershipversiontable (
    deploymentid text NOT NULL,
    version integer DEFAULT 0 NOT NULL,
    changedat timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: orleansquery; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansquery (
    querykey character varying(64) NOT NULL,
    querytext text NOT NULL
);


--
-- Name: TABLE orleansquery; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.orleansquery IS 'Orleans ADO.NET query catalogue; maintained by EdgeSync src/Silo/Database/orleans-postgresql.sql';


--
-- Name: orleansreminderstable; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansreminderstable (
    serviceid text NOT NULL,
    grainid text NOT NULL,
    remindername text NOT NULL,
    starttime timestamp with time zone NOT NULL,
    period bigint NOT NULL,
    grainhash integer NOT NULL,
    version integer NOT NULL
);


--
-- Name: orleansstorage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orleansstorage (
    grainidhash integer NOT NULL,
    graintypehash integer NOT NULL,
    serviceid text NOT NULL,
    grainidn0 bigint NOT NULL,
    grainidn1 bigint NOT NULL,
    graintypestring text NOT NULL,
    grainidextensionstring text,
    payloadbinary bytea,
    version integer NOT NULL,
    modifiedon timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: edge_rejections id; Type: DEFAULT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.edge_rejections ALTER COLUMN id SET DEFAULT nextval('edgesync.edge_rejections_id_seq'::regclass);


--
-- Data for Name: edge_mirror_01a21299_device_state; Type: TABLE DATA; Schema: edge_mirror; Owner: -
--

INSERT INTO edge_mirror.edge_mirror_01a21299_device_state (_edge_device_id, _edge_journal_epoch, _edge_commit_seq, _edge_created_at, _edge_updated_at, id, mode, setpoint) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '01a2129a-0c3e-712c-a87d-d86a78135368', 4, '2026-11-25 12:07:03.588086+00', '2026-11-25 12:07:03.588086+00', 2, 'heating', 19);
INSERT INTO edge_mirror.edge_mirror_01a21299_device_state (_edge_device_id, _edge_journal_epoch, _edge_commit_seq, _edge_created_at, _edge_updated_at, id, mode, setpoint) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '01a2129a-0c3e-712c-a87d-d86a78135368', 5, '2026-11-25 12:07:06.855802+00', '2026-11-25 12:07:06.855802+00', 3, 'idle', NULL);
INSERT INTO edge_mirror.edge_mirror_01a21299_device_state (_edge_device_id, _edge_journal_epoch, _edge_commit_seq, _edge_created_at, _edge_updated_at, id, mode, setpoint) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '01a2129a-0c3e-712c-a87d-d86a78135368', 6, '2026-11-25 12:07:03.588086+00', '2026-11-25 12:07:06.855802+00', 1, 'cooling', 22);


--
-- Data for Name: edge_export_segments; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.edge_export_segments (device_id, batch_id, lineage_id, source_table, kind, row_count, status, redeliveries, received_at, last_received_at) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '01a2129a-0ceb-7377-b12c-75ce953de6e4', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 'alarms', 'rows', 1, 'accepted', 0, '2026-11-25 12:06:55.587023+00', '2026-11-25 12:06:55.587023+00');
INSERT INTO edgesync.edge_export_segments (device_id, batch_id, lineage_id, source_table, kind, row_count, status, redeliveries, received_at, last_received_at) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '01a2129a-0e27-7ea2-97f0-8811673947f6', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 'device_state', 'rows', 2, 'accepted', 0, '2026-11-25 12:06:55.792135+00', '2026-11-25 12:06:55.792135+00');
INSERT INTO edgesync.edge_export_segments (device_id, batch_id, lineage_id, source_table, kind, row_count, status, redeliveries, received_at, last_received_at) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '01a2129a-395d-7d06-a73b-664c10afca47', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 'alarms', 'rows', 1, 'accepted', 0, '2026-11-25 12:07:06.847837+00', '2026-11-25 12:07:06.847837+00');
INSERT INTO edgesync.edge_export_segments (device_id, batch_id, lineage_id, source_table, kind, row_count, status, redeliveries, received_at, last_received_at) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '01a2129a-3966-7223-aa89-c35260db4e6d', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 'device_state', 'rows', 2, 'accepted', 0, '2026-11-25 12:07:06.855311+00', '2026-11-25 12:07:06.855311+00');


--
-- Data for Name: edge_pending_controls; Type: TABLE DATA; Schema: edgesync; Owner: -
--



--
-- Data for Name: edge_rejections; Type: TABLE DATA; Schema: edgesync; Owner: -
--



--
-- Data for Name: edge_staged_rows; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.edge_staged_rows (lineage_id, journal_epoch, source_commit_seq, device_id, source_table, op, pk, row_inline, row_compressed, bytes, staging_reason, batch_id, staged_at) VALUES ('01a2129a-0d2e-7589-922c-8ed518c5bdb5', '01a2129a-0c3e-712c-a87d-d86a78135368', 2, '01a21299-f952-7f2d-88f9-b4b6b2601b5b', 'alarms', 'insert', '{"code": "E42"}', '{"code": "E42", "message": "compressor over temperature", "severity": 3}', NULL, 81, 'schema_review', '01a2129a-0ceb-7377-b12c-75ce953de6e4', '2026-11-25 12:06:55.587023+00');
INSERT INTO edgesync.edge_staged_rows (lineage_id, journal_epoch, source_commit_seq, device_id, source_table, op, pk, row_inline, row_compressed, bytes, staging_reason, batch_id, staged_at) VALUES ('01a2129a-0d2e-7589-922c-8ed518c5bdb5', '01a2129a-0c3e-712c-a87d-d86a78135368', 7, '01a21299-f952-7f2d-88f9-b4b6b2601b5b', 'alarms', 'insert', '{"code": "E43"}', '{"code": "E43", "message": "filter clogged", "severity": 2}', NULL, 68, 'schema_review', '01a2129a-395d-7d06-a73b-664c10afca47', '2026-11-25 12:07:06.847837+00');


--
-- Data for Name: edge_telemetry_points; Type: TABLE DATA; Schema: edgesync; Owner: -
--



--
-- Data for Name: mt_doc_deadletterevent; Type: TABLE DATA; Schema: edgesync; Owner: -
--



--
-- Data for Name: mt_doc_device; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.mt_doc_device (id, data, mt_last_modified, mt_version, mt_dotnet_type) VALUES ('01a21299-f952-7f2d-88f9-b4b6b2601b5b', '{"Id": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "Name": "gw-up", "Connected": false, "CreatedAt": "2026-11-25T12:06:50.4742035+00:00", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "TopicRoot": "upgrade/gw-up", "TopicSlug": "upgrade", "LastSeenAt": "2026-11-25T12:07:11.9358169+00:00", "SecretHash": "pbkdf2-sha256$100000$ANt8Pil3E9TcEAULh7YqPg==$99jmxXPayZ+aWBplhQEwakCGguuCLnKmZm2iA1rL4AU=", "MqttUsername": "upgrade/gw-up", "SecretRotatedAt": null}', '2026-11-25 12:07:11.940594+00', '22841c43-c7e3-4074-8f94-49b75bad3081', 'EdgeSync.Registry.Device');


--
-- Data for Name: mt_doc_idempotencyrecord; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.mt_doc_idempotencyrecord (id, data, mt_last_modified, mt_version, mt_dotnet_type) VALUES ('0ace0b9dd4312c93c3714a21890c6e4df0715ad16e5021984e8d9a28546dfaac', '{"Id": "0ace0b9dd4312c93c3714a21890c6e4df0715ad16e5021984e8d9a28546dfaac", "Key": "up-1", "Body": "{\"ok\":1,\"data\":{\"id\":\"01a21299-f7ee-7607-81f7-27589b841c83\",\"name\":\"Upgrade\",\"topic_slug\":\"upgrade\",\"policy\":{\"allow_additive_continue\":false,\"max_pending_rows_per_lineage\":100000,\"max_pending_bytes_per_lineage\":1073741824,\"resume_threshold_percent\":80,\"circuit_breaker_threshold\":5},\"created_at\":\"2026-11-25T12:06:50.0947736Z\"},\"meta\":{}}", "Project": "", "Subject": "dev", "Location": "/core/api/v1/projects/01a21299-f7ee-7607-81f7-27589b841c83", "Completed": true, "CreatedAt": "2026-11-25T12:06:50.0297893+00:00", "ExpiresAt": "2026-11-26T12:06:50.0297893+00:00", "StatusCode": 201, "CompletedAt": "2026-11-25T12:06:50.1137747+00:00", "ContentType": "application/json; charset=utf-8", "RequestHash": "87602bf916ecc46e05cdd84d9f2a8b24885df9a6966245580221eb7bedb7305a"}', '2026-11-25 12:06:50.117019+00', '01a21299-f804-40d2-875a-78219a8e53d0', 'EdgeSync.Api.Idempotency.IdempotencyRecord');
INSERT INTO edgesync.mt_doc_idempotencyrecord (id, data, mt_last_modified, mt_version, mt_dotnet_type) VALUES ('e4d63c077a573ad3eee1f1f2e7b031e3265acace5a5263586f57f1d52c4f6ba5', '{"Id": "e4d63c077a573ad3eee1f1f2e7b031e3265acace5a5263586f57f1d52c4f6ba5", "Key": "4c224683-6a73-4ba6-be32-2a65c80cd6aa", "Body": "{\"ok\":1,\"data\":{\"id\":\"01a21299-f952-7f2d-88f9-b4b6b2601b5b\",\"project_id\":\"01a21299-f7ee-7607-81f7-27589b841c83\",\"name\":\"gw-up\",\"client_id\":\"gw-up\",\"mqtt_username\":\"upgrade/gw-up\",\"topic_root\":\"upgrade/gw-up\",\"connected\":false,\"last_seen_at\":null,\"created_at\":\"2026-11-25T12:06:50.4742035Z\",\"secret_rotated_at\":null,\"secret\":\"LYM-Q3tycMBPjJYDWGovykQ_3ykozwmz\"},\"meta\":{}}", "Project": "01a21299-f7ee-7607-81f7-27589b841c83", "Subject": "dev", "Location": "/core/api/v1/projects/01a21299-f7ee-7607-81f7-27589b841c83/devices/01a21299-f952-7f2d-88f9-b4b6b2601b5b", "Completed": true, "CreatedAt": "2026-11-25T12:06:50.4411931+00:00", "ExpiresAt": "2026-11-26T12:06:50.4411931+00:00", "StatusCode": 201, "CompletedAt": "2026-11-25T12:06:50.4817492+00:00", "ContentType": "application/json; charset=utf-8", "RequestHash": "295873fb07f8a21d4bddc7fc6cc0eaf85e404af0aaf518ad55022270a01fa49d"}', '2026-11-25 12:06:50.483136+00', '01a21299-f972-4161-9f1f-39d7c9f5804c', 'EdgeSync.Api.Idempotency.IdempotencyRecord');
INSERT INTO edgesync.mt_doc_idempotencyrecord (id, data, mt_last_modified, mt_version, mt_dotnet_type) VALUES ('bebfa4e169d64eea13f4d1040ed664fde9627e7a81e955950a852926984922f5', '{"Id": "bebfa4e169d64eea13f4d1040ed664fde9627e7a81e955950a852926984922f5", "Key": "5688e29a-57d6-4e14-a6be-2e901484327d", "Body": "{\"ok\":1,\"data\":{\"id\":\"01a2129a-0e2f-736a-9821-c1f0852225d8\",\"lineage_id\":\"01a2129a-0e2d-7478-a7fe-8fac3aad18de\",\"device_id\":\"01a21299-f952-7f2d-88f9-b4b6b2601b5b\",\"source_table\":\"device_state\",\"schema_hash\":\"46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f\",\"classification\":\"ambiguous\",\"state\":\"approved\",\"action_version\":2,\"proposed_columns\":[{\"name\":\"id\",\"decl_type_affinity\":\"INTEGER\",\"not_null\":false,\"pk_ordinal\":1},{\"name\":\"mode\",\"decl_type_affinity\":\"TEXT\",\"not_null\":true,\"pk_ordinal\":0},{\"name\":\"setpoint\",\"decl_type_affinity\":\"REAL\",\"not_null\":false,\"pk_ordinal\":0}],\"accepted_columns\":[{\"name\":\"id\",\"decl_type_affinity\":\"INTEGER\",\"not_null\":false,\"pk_ordinal\":1},{\"name\":\"mode\",\"decl_type_affinity\":\"TEXT\",\"not_null\":true,\"pk_ordinal\":0},{\"name\":\"setpoint\",\"decl_type_affinity\":\"REAL\",\"not_null\":false,\"pk_ordinal\":0}],\"diff\":{\"added\":[],\"removed\":[],\"changed\":[]},\"can_be_approved\":false,\"automatic\":false,\"mirror_table_name\":\"edge_mirror_01a21299_device_state\",\"decision_reason\":null,\"last_actor\":\"operator:dev\",\"queued_at\":\"2026-11-25T12:06:55.7921352Z\",\"updated_at\":\"2026-11-25T12:07:03.5397699Z\"},\"meta\":{}}", "Project": "01a21299-f7ee-7607-81f7-27589b841c83", "Subject": "dev", "Location": null, "Completed": true, "CreatedAt": "2026-11-25T12:07:03.5149012+00:00", "ExpiresAt": "2026-11-26T12:07:03.5149012+00:00", "StatusCode": 200, "CompletedAt": "2026-11-25T12:07:03.5889305+00:00", "ContentType": "application/json; charset=utf-8", "RequestHash": "06be8c5616128ddbb1099d6db329c21b449976b63709a1865416b94f3319c17e"}', '2026-11-25 12:07:03.589383+00', '01a2129a-2ca5-40f6-9c97-f46fd30e7005', 'EdgeSync.Api.Idempotency.IdempotencyRecord');


--
-- Data for Name: mt_doc_lineage; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.mt_doc_lineage (id, data, mt_last_modified, mt_dotnet_type, mt_version) VALUES ('01a2129a-0d2e-7589-922c-8ed518c5bdb5', '{"Id": "01a2129a-0d2e-7589-922c-8ed518c5bdb5", "Mirror": null, "Replay": null, "Status": "paused", "Version": 6, "Bindings": [], "Counters": {"RowsStale": 0, "RowsStaged": 2, "StagedBytes": 149, "BatchesStale": 0, "RowsReceived": 2, "RowsDuplicate": 0, "StagedRowCount": 2, "BatchesAccepted": 2, "BatchesRejected": 0, "RowsMaterialized": 0, "BatchesMaterialized": 0}, "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "CreatedAt": "2026-11-25T12:06:55.5870233+00:00", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "UpdatedAt": "2026-11-25T12:07:06.8478379+00:00", "Watermark": {"JournalEpoch": "01a2129a-0c3e-712c-a87d-d86a78135368", "LastCommitSeq": 7}, "DeviceName": "gw-up", "OpenReview": {"State": "queued", "QueuedAt": "2026-11-25T12:06:55.5870233+00:00", "ReviewId": "01a2129a-0d60-75bb-b4ab-fbef4543a7c8", "SchemaHash": "e6dd793b13809478c7919efcbc183b40bcf9cc8d2ccda93f7cd9bf9277207e36", "ActionVersion": 1}, "IsReplaying": false, "SourceTable": "alarms", "DevicePaused": false, "PauseReasons": ["schema_review"], "AcceptedSchema": null, "IsWriteBlocked": true, "SchemaVersions": [{"Columns": {"Columns": [{"Name": "code", "NotNull": false, "PkOrdinal": 1, "DeclTypeAffinity": "TEXT"}, {"Name": "message", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "TEXT"}, {"Name": "severity", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "INTEGER"}], "TableName": "alarms"}, "Accepted": false, "SchemaHash": "e6dd793b13809478c7919efcbc183b40bcf9cc8d2ccda93f7cd9bf9277207e36", "FirstSeenAt": "2026-11-25T12:06:55.5870233+00:00", "Classification": "ambiguous", "ReviewQueuedAt": "2026-11-25T12:06:55.5870233+00:00"}], "ServerWatermark": 7, "HasStagedBacklog": true, "LastRejectionCode": null, "AcceptedSchemaHash": null, "ConsecutiveFailures": 0, "LastMaterializationError": null}', '2026-11-25 12:07:06.849221+00', 'EdgeSync.Lineages.Lineage', 6);
INSERT INTO edgesync.mt_doc_lineage (id, data, mt_last_modified, mt_dotnet_type, mt_version) VALUES ('01a2129a-0e2d-7478-a7fe-8fac3aad18de', '{"Id": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "Mirror": {"Key": [{"Name": "id", "KeyOrdinal": 1, "PostgresType": "bigint", "SourceColumn": "id", "SqliteAffinity": "INTEGER"}], "Name": "edge_mirror_01a21299_device_state", "Columns": [{"Name": "id", "KeyOrdinal": 1, "PostgresType": "bigint", "SourceColumn": "id", "SqliteAffinity": "INTEGER"}, {"Name": "mode", "KeyOrdinal": 0, "PostgresType": "text", "SourceColumn": "mode", "SqliteAffinity": "TEXT"}, {"Name": "setpoint", "KeyOrdinal": 0, "PostgresType": "double precision", "SourceColumn": "setpoint", "SqliteAffinity": "REAL"}]}, "Replay": {"Cause": "approval", "Status": "completed", "Failures": 0, "ReplayId": "01a2129a-2c73-758b-a4b5-d0143a0e3f35", "LastError": null, "StartedAt": "2026-11-25T12:07:03.5397699+00:00", "UpdatedAt": "2026-11-25T12:07:03.6061504+00:00", "RowsReplayed": 2, "BacklogRowsAtStart": 2}, "Status": "active", "Version": 13, "Bindings": [{"Action": "mirror", "DataPoint": null, "MirrorColumn": "id", "SourceColumn": "id", "TimestampColumn": null}, {"Action": "mirror", "DataPoint": null, "MirrorColumn": "mode", "SourceColumn": "mode", "TimestampColumn": null}, {"Action": "mirror", "DataPoint": null, "MirrorColumn": "setpoint", "SourceColumn": "setpoint", "TimestampColumn": null}], "Counters": {"RowsStale": 0, "RowsStaged": 2, "StagedBytes": 0, "BatchesStale": 0, "RowsReceived": 4, "RowsDuplicate": 0, "StagedRowCount": 0, "BatchesAccepted": 2, "BatchesRejected": 0, "RowsMaterialized": 4, "BatchesMaterialized": 1}, "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "CreatedAt": "2026-11-25T12:06:55.7921352+00:00", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "UpdatedAt": "2026-11-25T12:07:06.8553111+00:00", "Watermark": {"JournalEpoch": "01a2129a-0c3e-712c-a87d-d86a78135368", "LastCommitSeq": 6}, "DeviceName": "gw-up", "OpenReview": null, "IsReplaying": false, "SourceTable": "device_state", "DevicePaused": false, "PauseReasons": [], "AcceptedSchema": {"Columns": {"Columns": [{"Name": "id", "NotNull": false, "PkOrdinal": 1, "DeclTypeAffinity": "INTEGER"}, {"Name": "mode", "NotNull": true, "PkOrdinal": 0, "DeclTypeAffinity": "TEXT"}, {"Name": "setpoint", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "REAL"}], "TableName": "device_state"}, "Accepted": true, "SchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "FirstSeenAt": "2026-11-25T12:06:55.7921352+00:00", "Classification": "ambiguous", "ReviewQueuedAt": "2026-11-25T12:06:55.7921352+00:00"}, "IsWriteBlocked": false, "SchemaVersions": [{"Columns": {"Columns": [{"Name": "id", "NotNull": false, "PkOrdinal": 1, "DeclTypeAffinity": "INTEGER"}, {"Name": "mode", "NotNull": true, "PkOrdinal": 0, "DeclTypeAffinity": "TEXT"}, {"Name": "setpoint", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "REAL"}], "TableName": "device_state"}, "Accepted": true, "SchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "FirstSeenAt": "2026-11-25T12:06:55.7921352+00:00", "Classification": "ambiguous", "ReviewQueuedAt": "2026-11-25T12:06:55.7921352+00:00"}], "ServerWatermark": 6, "HasStagedBacklog": false, "LastRejectionCode": null, "AcceptedSchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "ConsecutiveFailures": 0, "LastMaterializationError": null}', '2026-11-25 12:07:06.855802+00', 'EdgeSync.Lineages.Lineage', 13);


--
-- Data for Name: mt_doc_project; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.mt_doc_project (id, data, mt_last_modified, mt_version, mt_dotnet_type) VALUES ('01a21299-f7ee-7607-81f7-27589b841c83', '{"Id": "01a21299-f7ee-7607-81f7-27589b841c83", "Name": "Upgrade", "Policy": {"AllowAdditiveContinue": false, "ResumeThresholdPercent": 80, "CircuitBreakerThreshold": 5, "MaxPendingRowsPerLineage": 100000, "MaxPendingBytesPerLineage": 1073741824}, "CreatedAt": "2026-11-25T12:06:50.0947736+00:00", "TopicSlug": "upgrade"}', '2026-11-25 12:06:50.102045+00', '01a21299-f7f5-4eec-8753-d3f218ca7ab0', 'EdgeSync.Registry.Project');


--
-- Data for Name: mt_doc_schemareview; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.mt_doc_schemareview (id, data, mt_last_modified, mt_dotnet_type, mt_version) VALUES ('01a2129a-0d60-75bb-b4ab-fbef4543a7c8', '{"Id": "01a2129a-0d60-75bb-b4ab-fbef4543a7c8", "State": "queued", "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "QueuedAt": "2026-11-25T12:06:55.5870233+00:00", "Automatic": false, "LastActor": null, "LineageId": "01a2129a-0d2e-7589-922c-8ed518c5bdb5", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "UpdatedAt": "2026-11-25T12:06:55.5870233+00:00", "SchemaHash": "e6dd793b13809478c7919efcbc183b40bcf9cc8d2ccda93f7cd9bf9277207e36", "SourceTable": "alarms", "ActionVersion": 1, "Classification": "ambiguous", "DecisionReason": null, "MirrorTableName": null}', '2026-11-25 12:06:55.596616+00', 'EdgeSync.Lineages.SchemaReview', 1);
INSERT INTO edgesync.mt_doc_schemareview (id, data, mt_last_modified, mt_dotnet_type, mt_version) VALUES ('01a2129a-0e2f-736a-9821-c1f0852225d8', '{"Id": "01a2129a-0e2f-736a-9821-c1f0852225d8", "State": "approved", "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "QueuedAt": "2026-11-25T12:06:55.7921352+00:00", "Automatic": false, "LastActor": "operator:dev", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "UpdatedAt": "2026-11-25T12:07:03.5397699+00:00", "SchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "SourceTable": "device_state", "ActionVersion": 2, "Classification": "ambiguous", "DecisionReason": null, "MirrorTableName": "edge_mirror_01a21299_device_state"}', '2026-11-25 12:07:03.531827+00', 'EdgeSync.Lineages.SchemaReview', 2);


--
-- Data for Name: mt_event_progression; Type: TABLE DATA; Schema: edgesync; Owner: -
--



--
-- Data for Name: mt_event_projection_floors; Type: TABLE DATA; Schema: edgesync; Owner: -
--



--
-- Data for Name: mt_events; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (1, '44a68994-8a5f-4df7-bffb-56f124aa981c', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 1, '{"At": "2026-11-25T12:06:55.5870233+00:00", "Actor": "device:gw-up", "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "LineageId": "01a2129a-0d2e-7589-922c-8ed518c5bdb5", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "DeviceName": "gw-up", "SourceTable": "alarms"}', NULL, 'lineage_created', '2026-11-25 12:06:55.665625+00', '*DEFAULT*', 'EdgeSync.Lineages.LineageCreated, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (2, '20248570-e76e-4c3e-bbc1-246696d028c6', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 2, '{"At": "2026-11-25T12:06:55.5870233+00:00", "Actor": "device:gw-up", "Columns": {"Columns": [{"Name": "code", "NotNull": false, "PkOrdinal": 1, "DeclTypeAffinity": "TEXT"}, {"Name": "message", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "TEXT"}, {"Name": "severity", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "INTEGER"}], "TableName": "alarms"}, "LineageId": "01a2129a-0d2e-7589-922c-8ed518c5bdb5", "SchemaHash": "e6dd793b13809478c7919efcbc183b40bcf9cc8d2ccda93f7cd9bf9277207e36", "Classification": "ambiguous"}', NULL, 'schema_observed', '2026-11-25 12:06:55.665625+00', '*DEFAULT*', 'EdgeSync.Lineages.SchemaObserved, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (3, '2cfbd757-addf-4dcb-88a6-9fe133278849', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 3, '{"At": "2026-11-25T12:06:55.5870233+00:00", "Actor": "device:gw-up", "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "ReviewId": "01a2129a-0d60-75bb-b4ab-fbef4543a7c8", "LineageId": "01a2129a-0d2e-7589-922c-8ed518c5bdb5", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "SchemaHash": "e6dd793b13809478c7919efcbc183b40bcf9cc8d2ccda93f7cd9bf9277207e36", "SourceTable": "alarms", "Classification": "ambiguous", "AcceptedColumns": null, "ProposedColumns": {"Columns": [{"Name": "code", "NotNull": false, "PkOrdinal": 1, "DeclTypeAffinity": "TEXT"}, {"Name": "message", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "TEXT"}, {"Name": "severity", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "INTEGER"}], "TableName": "alarms"}}', NULL, 'review_queued', '2026-11-25 12:06:55.665625+00', '*DEFAULT*', 'EdgeSync.Lineages.ReviewQueued, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (4, 'd634155f-817e-4933-8ec7-b8908f25c7af', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 4, '{"At": "2026-11-25T12:06:55.5870233+00:00", "Note": null, "Actor": "device:gw-up", "Reason": "schema_review", "LineageId": "01a2129a-0d2e-7589-922c-8ed518c5bdb5"}', NULL, 'lineage_paused', '2026-11-25 12:06:55.665625+00', '*DEFAULT*', 'EdgeSync.Lineages.LineagePaused, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (5, '4d05ebf4-c170-4932-b3e0-fead246faad9', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 5, '{"At": "2026-11-25T12:06:55.5870233+00:00", "Actor": "device:gw-up", "Bytes": 81, "BatchId": "01a2129a-0ceb-7377-b12c-75ce953de6e4", "LineageId": "01a2129a-0d2e-7589-922c-8ed518c5bdb5", "RowsStaged": 1, "RowsSkipped": 0, "JournalEpoch": "01a2129a-0c3e-712c-a87d-d86a78135368", "LastCommitSeq": 2, "StagingReason": "schema_review", "FirstCommitSeq": 2, "StagedFromCommitSeq": 2}', NULL, 'batch_staged', '2026-11-25 12:06:55.665625+00', '*DEFAULT*', 'EdgeSync.Lineages.BatchStaged, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (6, '3e32ba19-6db9-4f76-a1fe-664f503fca74', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 1, '{"At": "2026-11-25T12:06:55.7921352+00:00", "Actor": "device:gw-up", "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "DeviceName": "gw-up", "SourceTable": "device_state"}', NULL, 'lineage_created', '2026-11-25 12:06:55.794632+00', '*DEFAULT*', 'EdgeSync.Lineages.LineageCreated, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (7, '1b14e014-7ab9-4645-b056-e396b891bbab', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 2, '{"At": "2026-11-25T12:06:55.7921352+00:00", "Actor": "device:gw-up", "Columns": {"Columns": [{"Name": "id", "NotNull": false, "PkOrdinal": 1, "DeclTypeAffinity": "INTEGER"}, {"Name": "mode", "NotNull": true, "PkOrdinal": 0, "DeclTypeAffinity": "TEXT"}, {"Name": "setpoint", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "REAL"}], "TableName": "device_state"}, "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "SchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "Classification": "ambiguous"}', NULL, 'schema_observed', '2026-11-25 12:06:55.794632+00', '*DEFAULT*', 'EdgeSync.Lineages.SchemaObserved, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (8, '17c12b6d-4fb1-45b3-b4e5-f75eb982aa01', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 3, '{"At": "2026-11-25T12:06:55.7921352+00:00", "Actor": "device:gw-up", "DeviceId": "01a21299-f952-7f2d-88f9-b4b6b2601b5b", "ReviewId": "01a2129a-0e2f-736a-9821-c1f0852225d8", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "ProjectId": "01a21299-f7ee-7607-81f7-27589b841c83", "SchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "SourceTable": "device_state", "Classification": "ambiguous", "AcceptedColumns": null, "ProposedColumns": {"Columns": [{"Name": "id", "NotNull": false, "PkOrdinal": 1, "DeclTypeAffinity": "INTEGER"}, {"Name": "mode", "NotNull": true, "PkOrdinal": 0, "DeclTypeAffinity": "TEXT"}, {"Name": "setpoint", "NotNull": false, "PkOrdinal": 0, "DeclTypeAffinity": "REAL"}], "TableName": "device_state"}}', NULL, 'review_queued', '2026-11-25 12:06:55.794632+00', '*DEFAULT*', 'EdgeSync.Lineages.ReviewQueued, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (9, 'c544d8a9-388b-4432-bbad-f24857734e9c', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 4, '{"At": "2026-11-25T12:06:55.7921352+00:00", "Note": null, "Actor": "device:gw-up", "Reason": "schema_review", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de"}', NULL, 'lineage_paused', '2026-11-25 12:06:55.794632+00', '*DEFAULT*', 'EdgeSync.Lineages.LineagePaused, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (10, '63663187-bd05-4719-be26-af5b61434a2c', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 5, '{"At": "2026-11-25T12:06:55.7921352+00:00", "Actor": "device:gw-up", "Bytes": 98, "BatchId": "01a2129a-0e27-7ea2-97f0-8811673947f6", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "RowsStaged": 2, "RowsSkipped": 0, "JournalEpoch": "01a2129a-0c3e-712c-a87d-d86a78135368", "LastCommitSeq": 4, "StagingReason": "schema_review", "FirstCommitSeq": 3, "StagedFromCommitSeq": 3}', NULL, 'batch_staged', '2026-11-25 12:06:55.794632+00', '*DEFAULT*', 'EdgeSync.Lineages.BatchStaged, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (11, 'a2c14aa3-1c04-4e6f-9992-2571817167ba', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 6, '{"At": "2026-11-25T12:07:03.5397699+00:00", "Actor": "operator:dev", "Bindings": [{"Action": "mirror", "DataPoint": null, "MirrorColumn": "id", "SourceColumn": "id", "TimestampColumn": null}, {"Action": "mirror", "DataPoint": null, "MirrorColumn": "mode", "SourceColumn": "mode", "TimestampColumn": null}, {"Action": "mirror", "DataPoint": null, "MirrorColumn": "setpoint", "SourceColumn": "setpoint", "TimestampColumn": null}], "ReviewId": "01a2129a-0e2f-736a-9821-c1f0852225d8", "Automatic": false, "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "SchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "ActionVersion": 2, "MirrorTableName": "edge_mirror_01a21299_device_state"}', NULL, 'review_approved', '2026-11-25 12:07:03.548717+00', '*DEFAULT*', 'EdgeSync.Lineages.ReviewApproved, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (12, '8b522f6a-6ca9-4ff6-a3e0-71c9b925ec33', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 7, '{"At": "2026-11-25T12:07:03.5397699+00:00", "Actor": "operator:dev", "Bindings": [{"Action": "mirror", "DataPoint": null, "MirrorColumn": "id", "SourceColumn": "id", "TimestampColumn": null}, {"Action": "mirror", "DataPoint": null, "MirrorColumn": "mode", "SourceColumn": "mode", "TimestampColumn": null}, {"Action": "mirror", "DataPoint": null, "MirrorColumn": "setpoint", "SourceColumn": "setpoint", "TimestampColumn": null}], "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "SchemaHash": "46ccf86463412df91c660cd60dd1e1a8d579d02ccf158163018c318c5df41e6f", "Classification": "ambiguous"}', NULL, 'schema_accepted', '2026-11-25 12:07:03.548717+00', '*DEFAULT*', 'EdgeSync.Lineages.SchemaAccepted, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (13, '4f51c945-9abf-4332-800b-88b0dc43a8c6', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 8, '{"At": "2026-11-25T12:07:03.5397699+00:00", "Actor": "operator:dev", "Table": {"Key": [{"Name": "id", "KeyOrdinal": 1, "PostgresType": "bigint", "SourceColumn": "id", "SqliteAffinity": "INTEGER"}], "Name": "edge_mirror_01a21299_device_state", "Columns": [{"Name": "id", "KeyOrdinal": 1, "PostgresType": "bigint", "SourceColumn": "id", "SqliteAffinity": "INTEGER"}, {"Name": "mode", "KeyOrdinal": 0, "PostgresType": "text", "SourceColumn": "mode", "SqliteAffinity": "TEXT"}, {"Name": "setpoint", "KeyOrdinal": 0, "PostgresType": "double precision", "SourceColumn": "setpoint", "SqliteAffinity": "REAL"}]}, "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de"}', NULL, 'mirror_provisioned', '2026-11-25 12:07:03.548717+00', '*DEFAULT*', 'EdgeSync.Lineages.MirrorProvisioned, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (14, 'fee0a5ca-226a-4d91-ba91-24bd34d7934c', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 9, '{"At": "2026-11-25T12:07:03.5397699+00:00", "Actor": "operator:dev", "Reason": "schema_review", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de"}', NULL, 'lineage_resumed', '2026-11-25 12:07:03.548717+00', '*DEFAULT*', 'EdgeSync.Lineages.LineageResumed, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (15, 'd9e067d0-25c2-486a-8db2-d71268faf45b', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 10, '{"At": "2026-11-25T12:07:03.5397699+00:00", "Actor": "operator:dev", "Cause": "approval", "ReplayId": "01a2129a-2c73-758b-a4b5-d0143a0e3f35", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "BacklogRows": 2}', NULL, 'replay_started', '2026-11-25 12:07:03.548717+00', '*DEFAULT*', 'EdgeSync.Lineages.ReplayStarted, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (16, 'a172c50b-c3ab-481f-93f2-06394be00cbd', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 11, '{"At": "2026-11-25T12:07:03.6061504+00:00", "Actor": "system", "ReplayId": "01a2129a-2c73-758b-a4b5-d0143a0e3f35", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "RowsApplied": 2, "BytesDrained": 98, "LastCommitSeq": 4, "LastJournalEpoch": "01a2129a-0c3e-712c-a87d-d86a78135368"}', NULL, 'replay_progressed', '2026-11-25 12:07:03.610391+00', '*DEFAULT*', 'EdgeSync.Lineages.ReplayProgressed, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (17, 'c0fb059a-eab5-4a50-991d-452591b27787', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 12, '{"At": "2026-11-25T12:07:03.6061504+00:00", "Actor": "system", "ReplayId": "01a2129a-2c73-758b-a4b5-d0143a0e3f35", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "RowsReplayed": 2}', NULL, 'replay_completed', '2026-11-25 12:07:03.610391+00', '*DEFAULT*', 'EdgeSync.Lineages.ReplayCompleted, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (18, 'e0c0cd27-9acd-4642-ac44-eceb696c005c', '01a2129a-0d2e-7589-922c-8ed518c5bdb5', 6, '{"At": "2026-11-25T12:07:06.8478379+00:00", "Actor": "device:gw-up", "Bytes": 68, "BatchId": "01a2129a-395d-7d06-a73b-664c10afca47", "LineageId": "01a2129a-0d2e-7589-922c-8ed518c5bdb5", "RowsStaged": 1, "RowsSkipped": 0, "JournalEpoch": "01a2129a-0c3e-712c-a87d-d86a78135368", "LastCommitSeq": 7, "StagingReason": "schema_review", "FirstCommitSeq": 7, "StagedFromCommitSeq": 7}', NULL, 'batch_staged', '2026-11-25 12:07:06.850924+00', '*DEFAULT*', 'EdgeSync.Lineages.BatchStaged, EdgeSync.Grains', false);
INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, bdata, type, "timestamp", tenant_id, mt_dotnet_type, is_archived) VALUES (19, '6ddd29c0-1df8-4af3-a8a8-f39c67036205', '01a2129a-0e2d-7478-a7fe-8fac3aad18de', 13, '{"At": "2026-11-25T12:07:06.8553111+00:00", "Actor": "device:gw-up", "BatchId": "01a2129a-3966-7223-aa89-c35260db4e6d", "LineageId": "01a2129a-0e2d-7478-a7fe-8fac3aad18de", "RowsApplied": 2, "RowsSkipped": 0, "JournalEpoch": "01a2129a-0c3e-712c-a87d-d86a78135368", "LastCommitSeq": 6, "FirstCommitSeq": 5}', NULL, 'batch_materialized', '2026-11-25 12:07:06.860149+00', '*DEFAULT*', 'EdgeSync.Lineages.BatchMaterialized, EdgeSync.Grains', false);


--
-- Data for Name: mt_high_water_skips; Type: TABLE DATA; Schema: edgesync; Owner: -
--



--
-- Data for Name: mt_streams; Type: TABLE DATA; Schema: edgesync; Owner: -
--

INSERT INTO edgesync.mt_streams (id, type, version, "timestamp", created, tenant_id, compacted_version, is_archived) VALUES ('01a2129a-0d2e-7589-922c-8ed518c5bdb5', 'lineage', 6, '2026-11-25 12:06:55.596616+00', '2026-11-25 12:06:55.596616+00', '*DEFAULT*', 0, false);
INSERT INTO edgesync.mt_streams (id, type, version, "timestamp", created, tenant_id, compacted_version, is_archived) VALUES ('01a2129a-0e2d-7478-a7fe-8fac3aad18de', 'lineage', 13, '2026-11-25 12:06:55.792509+00', '2026-11-25 12:06:55.792509+00', '*DEFAULT*', 0, false);


--
-- Data for Name: orleansmembershiptable; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orleansmembershiptable (deploymentid, address, port, generation, siloname, hostname, status, proxyport, suspecttimes, starttime, iamalivetime) VALUES ('edgesync', '127.0.0.1', 11199, 154613195, 'Silo_36f93', 'vm', 6, 30099, '127.0.0.1:11199@154613195,2026-11-25 12:06:43.762 GMT', '2026-11-25 12:06:35.834003+00', '2026-11-25 12:06:43.762507+00');
INSERT INTO public.orleansmembershiptable (deploymentid, address, port, generation, siloname, hostname, status, proxyport, suspecttimes, starttime, iamalivetime) VALUES ('edgesync', '127.0.0.1', 11199, 154613205, 'Silo_0586a', 'vm', 6, 30099, '127.0.0.1:11199@154613205,2026-11-25 12:07:16.010 GMT', '2026-11-25 12:06:45.664481+00', '2026-11-25 12:07:16.010081+00');


--
-- Data for Name: orleansmembershipversiontable; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orleansmembershipversiontable (deploymentid, version, changedat) VALUES ('edgesync', 8, '2026-11-25 12:07:16.011098+00');


--
-- Data for Name: orleansquery; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orleansquery (querykey, querytext) VALUES ('GatewaysQueryKey', '
SELECT m.address    AS Address,
       m.proxyport  AS ProxyPort,
       m.generation AS Generation
FROM   orleansmembershiptable AS m
WHERE  m.deploymentid = @DeploymentId
  AND  m.status = @Status
  AND  m.proxyport > 0;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('MembershipReadRowKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('MembershipReadAllKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('InsertMembershipVersionKey', '
WITH created AS (
    INSERT INTO orleansmembershipversiontable (deploymentid)
    VALUES (@DeploymentId)
    ON CONFLICT (deploymentid) DO NOTHING
    RETURNING deploymentid
)
SELECT EXISTS (SELECT 1 FROM created);
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('UpdateIAmAlivetimeKey', '
UPDATE orleansmembershiptable AS m
SET    iamalivetime = @IAmAliveTime
WHERE  m.deploymentid = @DeploymentId
  AND  m.address = @Address
  AND  m.port = @Port
  AND  m.generation = @Generation;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('InsertMembershipKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('UpdateMembershipKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('DeleteMembershipTableEntriesKey', '
DELETE FROM orleansmembershipversiontable
WHERE  deploymentid = @DeploymentId;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('CleanupDefunctSiloEntriesKey', '
DELETE FROM orleansmembershiptable AS m
WHERE  m.deploymentid = @DeploymentId
  AND  m.status = 6
  AND  m.iamalivetime < @IAmAliveTime
  AND  m.starttime < @IAmAliveTime;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('CleanupDefunctSiloEntryKey', '
DELETE FROM orleansmembershiptable AS m
WHERE  m.deploymentid = @DeploymentId
  AND  m.address = @Address
  AND  m.port = @Port
  AND  m.generation = @Generation
  AND  m.status = 6
  AND  m.starttime = @StartTime
  AND  m.iamalivetime = @IAmAliveTime
  AND  coalesce(m.suspecttimes, '''') = coalesce(@SuspectTimes, '''');
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('ReadFromStorageKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('WriteToStorageKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('ClearStorageKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('DeleteStorageKey', '
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
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('ReadReminderRowsKey', '
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  r.grainid = @GrainId;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('ReadRangeRows1Key', '
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  r.grainhash > @BeginHash
  AND  r.grainhash <= @EndHash;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('ReadRangeRows2Key', '
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  (r.grainhash > @BeginHash OR r.grainhash <= @EndHash);
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('ReadReminderRowKey', '
SELECT r.grainid      AS GrainId,
       r.remindername AS ReminderName,
       r.starttime    AS StartTime,
       r.period       AS Period,
       r.version      AS Version
FROM   orleansreminderstable AS r
WHERE  r.serviceid = @ServiceId
  AND  r.grainid = @GrainId
  AND  r.remindername = @ReminderName;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('UpsertReminderRowKey', '
INSERT INTO orleansreminderstable AS r
       (serviceid, grainid, remindername, starttime, period, grainhash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (serviceid, grainid, remindername) DO UPDATE
SET    starttime = excluded.starttime,
       period    = excluded.period,
       grainhash = excluded.grainhash,
       version   = r.version + 1
RETURNING r.version AS Version;
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('DeleteReminderRowKey', '
WITH removed AS (
    DELETE FROM orleansreminderstable AS r
    WHERE  r.serviceid = @ServiceId
      AND  r.grainid = @GrainId
      AND  r.remindername = @ReminderName
      AND  r.version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM removed);
');
INSERT INTO public.orleansquery (querykey, querytext) VALUES ('DeleteReminderRowsKey', '
DELETE FROM orleansreminderstable
WHERE  serviceid = @ServiceId;
');


--
-- Data for Name: orleansreminderstable; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: orleansstorage; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orleansstorage (grainidhash, graintypehash, serviceid, grainidn0, grainidn1, graintypestring, grainidextensionstring, payloadbinary, version, modifiedon) VALUES (2128917379, 697285468, 'edgesync', 0, 0, 'slot', '01a21299f9527f2d88f9b4b6b2601b5b/alarms', '\x7b22246964223a2231222c222474797065223a224564676553796e632e4c696e65616765732e4c696e65616765536c6f742c204564676553796e632e477261696e73222c224c696e656167654964223a2230316132313239612d306432652d373538392d393232632d386564353138633562646235227d', 1, '2026-11-25 12:06:55.579581+00');
INSERT INTO public.orleansstorage (grainidhash, graintypehash, serviceid, grainidn0, grainidn1, graintypestring, grainidextensionstring, payloadbinary, version, modifiedon) VALUES (-137274120, 697285468, 'edgesync', 0, 0, 'slot', '01a21299f9527f2d88f9b4b6b2601b5b/device_state', '\x7b22246964223a2231222c222474797065223a224564676553796e632e4c696e65616765732e4c696e65616765536c6f742c204564676553796e632e477261696e73222c224c696e656167654964223a2230316132313239612d306532642d373437382d613766652d386661633361616431386465227d', 1, '2026-11-25 12:06:55.790349+00');


--
-- Name: edge_rejections_id_seq; Type: SEQUENCE SET; Schema: edgesync; Owner: -
--

SELECT pg_catalog.setval('edgesync.edge_rejections_id_seq', 1, false);


--
-- Name: mt_events_sequence; Type: SEQUENCE SET; Schema: edgesync; Owner: -
--

SELECT pg_catalog.setval('edgesync.mt_events_sequence', 19, true);


--
-- Name: edge_mirror_01a21299_device_state edge_mirror_01a21299_device_state_pkey; Type: CONSTRAINT; Schema: edge_mirror; Owner: -
--

ALTER TABLE ONLY edge_mirror.edge_mirror_01a21299_device_state
    ADD CONSTRAINT edge_mirror_01a21299_device_state_pkey PRIMARY KEY (id);


--
-- Name: mt_event_progression pk_mt_event_progression; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_event_progression
    ADD CONSTRAINT pk_mt_event_progression PRIMARY KEY (name);


--
-- Name: edge_export_segments pkey_edge_export_segments_device_id_batch_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.edge_export_segments
    ADD CONSTRAINT pkey_edge_export_segments_device_id_batch_id PRIMARY KEY (device_id, batch_id);


--
-- Name: edge_pending_controls pkey_edge_pending_controls_control_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.edge_pending_controls
    ADD CONSTRAINT pkey_edge_pending_controls_control_id PRIMARY KEY (control_id);


--
-- Name: edge_rejections pkey_edge_rejections_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.edge_rejections
    ADD CONSTRAINT pkey_edge_rejections_id PRIMARY KEY (id);


--
-- Name: edge_staged_rows pkey_edge_staged_rows_lineage_id_journal_epoch_source_commit_se; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.edge_staged_rows
    ADD CONSTRAINT pkey_edge_staged_rows_lineage_id_journal_epoch_source_commit_se PRIMARY KEY (lineage_id, journal_epoch, source_commit_seq);


--
-- Name: edge_telemetry_points pkey_edge_telemetry_points_lineage_id_data_point_journal_epoch_; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.edge_telemetry_points
    ADD CONSTRAINT pkey_edge_telemetry_points_lineage_id_data_point_journal_epoch_ PRIMARY KEY (lineage_id, data_point, journal_epoch, commit_seq);


--
-- Name: mt_doc_deadletterevent pkey_mt_doc_deadletterevent_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_doc_deadletterevent
    ADD CONSTRAINT pkey_mt_doc_deadletterevent_id PRIMARY KEY (id);


--
-- Name: mt_doc_device pkey_mt_doc_device_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_doc_device
    ADD CONSTRAINT pkey_mt_doc_device_id PRIMARY KEY (id);


--
-- Name: mt_doc_idempotencyrecord pkey_mt_doc_idempotencyrecord_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_doc_idempotencyrecord
    ADD CONSTRAINT pkey_mt_doc_idempotencyrecord_id PRIMARY KEY (id);


--
-- Name: mt_doc_lineage pkey_mt_doc_lineage_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_doc_lineage
    ADD CONSTRAINT pkey_mt_doc_lineage_id PRIMARY KEY (id);


--
-- Name: mt_doc_project pkey_mt_doc_project_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_doc_project
    ADD CONSTRAINT pkey_mt_doc_project_id PRIMARY KEY (id);


--
-- Name: mt_doc_schemareview pkey_mt_doc_schemareview_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_doc_schemareview
    ADD CONSTRAINT pkey_mt_doc_schemareview_id PRIMARY KEY (id);


--
-- Name: mt_event_projection_floors pkey_mt_event_projection_floors_name_tenant_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_event_projection_floors
    ADD CONSTRAINT pkey_mt_event_projection_floors_name_tenant_id PRIMARY KEY (name, tenant_id);


--
-- Name: mt_events pkey_mt_events_seq_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_events
    ADD CONSTRAINT pkey_mt_events_seq_id PRIMARY KEY (seq_id);


--
-- Name: mt_high_water_skips pkey_mt_high_water_skips_ending_sequence; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_high_water_skips
    ADD CONSTRAINT pkey_mt_high_water_skips_ending_sequence PRIMARY KEY (ending_sequence);


--
-- Name: mt_streams pkey_mt_streams_id; Type: CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_streams
    ADD CONSTRAINT pkey_mt_streams_id PRIMARY KEY (id);


--
-- Name: orleansmembershiptable pk_orleansmembership; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansmembershiptable
    ADD CONSTRAINT pk_orleansmembership PRIMARY KEY (deploymentid, address, port, generation);


--
-- Name: orleansmembershipversiontable pk_orleansmembershipversion; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansmembershipversiontable
    ADD CONSTRAINT pk_orleansmembershipversion PRIMARY KEY (deploymentid);


--
-- Name: orleansquery pk_orleansquery; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansquery
    ADD CONSTRAINT pk_orleansquery PRIMARY KEY (querykey);


--
-- Name: orleansreminderstable pk_orleansreminders; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansreminderstable
    ADD CONSTRAINT pk_orleansreminders PRIMARY KEY (serviceid, grainid, remindername);


--
-- Name: ix_edge_pending_controls_open; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX ix_edge_pending_controls_open ON edgesync.edge_pending_controls USING btree (device_id) WHERE ((acknowledged_at IS NULL) AND (superseded_at IS NULL));


--
-- Name: ix_edge_rejections_project_time; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX ix_edge_rejections_project_time ON edgesync.edge_rejections USING btree (project_id, received_at);


--
-- Name: ix_edge_telemetry_points_project_point_ts; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX ix_edge_telemetry_points_project_point_ts ON edgesync.edge_telemetry_points USING btree (project_id, data_point, ts);


--
-- Name: mt_doc_device_idx_project_id; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX mt_doc_device_idx_project_id ON edgesync.mt_doc_device USING btree ((((data ->> 'ProjectId'::text))::uuid));


--
-- Name: mt_doc_device_uidx_project_idname; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE UNIQUE INDEX mt_doc_device_uidx_project_idname ON edgesync.mt_doc_device USING btree ((((data ->> 'ProjectId'::text))::uuid), ((data ->> 'Name'::text)));


--
-- Name: mt_doc_idempotencyrecord_idx_expires_at; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX mt_doc_idempotencyrecord_idx_expires_at ON edgesync.mt_doc_idempotencyrecord USING btree (edgesync.mt_immutable_timestamptz((data ->> 'ExpiresAt'::text)));


--
-- Name: mt_doc_lineage_idx_device_id; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX mt_doc_lineage_idx_device_id ON edgesync.mt_doc_lineage USING btree ((((data ->> 'DeviceId'::text))::uuid));


--
-- Name: mt_doc_lineage_idx_project_id; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX mt_doc_lineage_idx_project_id ON edgesync.mt_doc_lineage USING btree ((((data ->> 'ProjectId'::text))::uuid));


--
-- Name: mt_doc_project_uidx_topic_slug; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE UNIQUE INDEX mt_doc_project_uidx_topic_slug ON edgesync.mt_doc_project USING btree (((data ->> 'TopicSlug'::text)));


--
-- Name: mt_doc_schemareview_idx_lineage_id; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX mt_doc_schemareview_idx_lineage_id ON edgesync.mt_doc_schemareview USING btree ((((data ->> 'LineageId'::text))::uuid));


--
-- Name: mt_doc_schemareview_idx_project_id; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE INDEX mt_doc_schemareview_idx_project_id ON edgesync.mt_doc_schemareview USING btree ((((data ->> 'ProjectId'::text))::uuid));


--
-- Name: pk_mt_events_stream_and_version; Type: INDEX; Schema: edgesync; Owner: -
--

CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON edgesync.mt_events USING btree (stream_id, version);


--
-- Name: ix_orleansreminders_ring; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_orleansreminders_ring ON public.orleansreminderstable USING btree (serviceid, grainhash);


--
-- Name: ux_orleansstorage_identity; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ux_orleansstorage_identity ON public.orleansstorage USING btree (grainidhash, graintypehash, serviceid, grainidn0, grainidn1, md5(graintypestring), md5(grainidextensionstring)) NULLS NOT DISTINCT;


--
-- Name: mt_events fkey_mt_events_stream_id; Type: FK CONSTRAINT; Schema: edgesync; Owner: -
--

ALTER TABLE ONLY edgesync.mt_events
    ADD CONSTRAINT fkey_mt_events_stream_id FOREIGN KEY (stream_id) REFERENCES edgesync.mt_streams(id) ON DELETE CASCADE;


--
-- Name: orleansmembershiptable fk_orleansmembership_version; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orleansmembershiptable
    ADD CONSTRAINT fk_orleansmembership_version FOREIGN KEY (deploymentid) REFERENCES public.orleansmembershipversiontable(deploymentid) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


