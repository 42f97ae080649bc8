-- One round of settle-update-vs-delete.sql: a drain of each kind of settle.
\set mode update
\ir settle-drain.sql
\set mode delete
\ir settle-drain.sql
\set mode 'update without endpoint index'
\ir settle-drain.sql
