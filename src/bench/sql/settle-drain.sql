-- One drain of settle-update-vs-delete.sql, settling by :mode: 'update', 'delete', or 'update
-- without endpoint index' (webhook_deliveries_endpoint_idx dropped for the drain, rebuilt after).
CALL pg_temp.prepare(:deliveries);
SELECT :'mode' = 'update without endpoint index' AS drop_endpoint_index \gset
\if :drop_endpoint_index
DROP INDEX webhook_deliveries_endpoint_idx;
\endif
VACUUM ANALYZE webhook_deliveries;
CHECKPOINT;
SELECT pg_temp.backend_cpu_ms() AS cpu0, pg_current_wal_insert_lsn() AS wal0 \gset
CALL pg_temp.drain(:'mode', :batch);
INSERT INTO results
SELECT :'mode', round((pg_temp.backend_cpu_ms() - :cpu0)::numeric / :deliveries, 4),
       round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'wal0') / :deliveries);
\if :drop_endpoint_index
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
\endif
