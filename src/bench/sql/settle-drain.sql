-- One drain of settle-update-vs-delete.sql, settling by :mode ('update' or 'delete').
CALL pg_temp.prepare(:deliveries);
VACUUM ANALYZE webhook_deliveries;
CHECKPOINT;
SELECT pg_temp.backend_cpu_ms() AS cpu0, pg_current_wal_insert_lsn() AS wal0 \gset
CALL pg_temp.drain(:'mode', :batch);
INSERT INTO results
SELECT :'mode', round((pg_temp.backend_cpu_ms() - :cpu0)::numeric / :deliveries, 4),
       round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'wal0') / :deliveries);
