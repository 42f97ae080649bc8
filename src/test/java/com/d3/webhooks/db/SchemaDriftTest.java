package com.d3.webhooks.db;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.d3.webhooks.db.schema.DefaultSchema;
import com.d3.webhooks.testing.TestDatabase;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jooq.Field;
import org.jooq.Table;
import org.junit.jupiter.api.Test;

/**
 * The jOOQ classes are generated from migrations/ by a simulation (DDLDatabase); this test
 * compares them with what PostgreSQL really has after Flyway ran the same scripts.
 */
class SchemaDriftTest {

    @Test
    void generatedModelMatchesMigratedPostgresSchema() {
        var dsl = TestDatabase.get().database().dsl();
        var live = dsl.meta().getSchemas("public").get(0);
        // Partitions (of webhook_audit_logs) are storage, made at run time; the model has their parent.
        Set<String> partitions = new HashSet<>(dsl.fetch(
                "SELECT relname FROM pg_class WHERE relispartition").getValues(0, String.class));
        Map<String, String> generated = describe(DefaultSchema.DEFAULT_SCHEMA.getTables());
        Map<String, String> migrated = describe(live.getTables().stream()
                .filter(t -> !t.getName().startsWith("flyway_"))
                .filter(t -> !partitions.contains(t.getName()))
                .toList());
        assertEquals(generated, migrated);
    }

    /** table.column -> "type null|not null", plus each table's primary and unique keys. */
    private static Map<String, String> describe(Iterable<? extends Table<?>> tables) {
        Map<String, String> out = new TreeMap<>();
        for (Table<?> table : tables) {
            for (Field<?> f : table.fields()) {
                String type = f.getDataType().getCastTypeName().toLowerCase()
                        .replace("timestamp(6) with time zone", "timestamp with time zone")
                        // double precision: jOOQ reads PostgreSQL's float8 as FLOAT, H2's as DOUBLE (both Double)
                        .replace("float", "double");
                out.put(table.getName() + "." + f.getName(),
                        type + (f.getDataType().nullable() ? " null" : " not null"));
            }
            out.put(table.getName() + " primary key", String.valueOf(
                    table.getPrimaryKey() == null ? null : table.getPrimaryKey().getName()));
            table.getUniqueKeys().forEach(k -> out.put(table.getName() + " unique " + k.getName(),
                    k.getFields().stream().map(Field::getName).toList().toString()));
            table.getReferences().forEach(k -> out.put(table.getName() + " foreign key " + k.getName(),
                    k.getFields().stream().map(Field::getName).toList() + " -> " + k.getKey().getTable().getName()));
        }
        return out;
    }
}
