package com.d3.webhooks.secrets;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.min;

import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.TableField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statements that keep endpoint secrets sealed at rest, in both columns that hold one
 * ({@code secret} and the rotation's {@code previous_secret}) alike: the start-up check that every
 * sealed value can be opened, and the sweep that seals plain text (written by the dashboard's
 * backend through the SQL contract) and re-seals values of a rotated-out key or of the unbound
 * first format. Writes are compare-and-set on the value read, so a secret the dashboard changes
 * meanwhile is never overwritten.
 */
public final class EndpointSecrets {

    private static final Logger log = LoggerFactory.getLogger(EndpointSecrets.class);
    private static final int SWEEP_BATCH = 500;

    private final DSLContext dsl;
    private final SecretSealer sealer;

    public EndpointSecrets(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /**
     * Refuses to go on when a sealed secret cannot be opened with the keys this process has: no
     * key, the wrong key, or a value that does not open (one sample per column and key id is
     * decrypted).
     *
     * @throws IllegalStateException with one line for the operator; never a secret or a key
     */
    public void checkAllCanBeOpened() {
        var e = WEBHOOK_ENDPOINTS;
        Map<String, Integer> missingKeys = new TreeMap<>();
        List<String> unopenable = new ArrayList<>();
        for (SecretColumn column : SecretColumn.values()) {
            TableField<WebhookEndpointsRecord, String> stored = column(column);
            Field<String> keyId = field("split_part({0}, ':', 3)", String.class, stored);
            for (var row : dsl.select(keyId, count(), min(e.ID)).from(e)
                    .where(stored.startsWith(SecretSealer.PREFIX)).groupBy(keyId).orderBy(keyId).fetch()) {
                if (!sealer.canOpen(row.value1())) {
                    missingKeys.merge(row.value1(), row.value2(), Integer::sum);
                    continue;
                }
                long sampleId = row.value3();
                String sample = dsl.select(stored).from(e).where(e.ID.eq(sampleId)).fetchOne(stored);
                try {
                    sealer.open(sample, sampleId, column);
                } catch (IllegalArgumentException bad) {
                    unopenable.add("endpoint " + sampleId + ": " + bad.getMessage());
                }
            }
        }
        List<String> problems = new ArrayList<>();
        missingKeys.forEach((keyId, n) -> problems.add(n + " endpoint secret(s) sealed with key id " + keyId));
        problems.addAll(unopenable);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cannot open the endpoint secrets: " + String.join("; ", problems) + " ("
                    + sealer.describeKeys() + "). Set " + SecretSealer.KEY_VARIABLE + " to the key they were "
                    + "sealed with (during a rotation, the previous key goes in " + SecretSealer.OLD_KEYS_VARIABLE
                    + ")");
        }
    }

    /** How many secrets (current and previous) are stored in plain text. */
    public int countPlaintext() {
        var e = WEBHOOK_ENDPOINTS;
        int plain = 0;
        for (SecretColumn column : SecretColumn.values()) {
            plain += dsl.fetchCount(e, column(column).isNotNull()
                    .and(column(column).notLike(SecretSealer.PREFIX + "%")));
        }
        return plain;
    }

    /**
     * Seals every plain-text secret and re-seals every secret of an old key, or sealed unbound,
     * with the current key, bound to its endpoint and column. Returns how many it sealed; 0 (and a
     * warning when there is plain text) without a key.
     */
    public int sealAll() {
        if (!sealer.canSeal()) {
            int plain = countPlaintext();
            if (plain > 0) {
                log.warn("{} endpoint secret(s) are stored in plain text; set {} and they will be sealed",
                        plain, SecretSealer.KEY_VARIABLE);
            }
            return 0;
        }
        int sealed = 0;
        for (SecretColumn column : SecretColumn.values()) {
            sealed += sealAll(column);
        }
        if (sealed > 0) {
            log.info("sealed {} endpoint secret(s) with key id {}", sealed, sealer.keyId().orElseThrow());
        }
        return sealed;
    }

    private int sealAll(SecretColumn column) {
        var e = WEBHOOK_ENDPOINTS;
        TableField<WebhookEndpointsRecord, String> stored = column(column);
        String current = sealer.currentPrefix().orElseThrow() + "%";
        int sealed = 0;
        int seen;
        long after = 0;
        do {
            var rows = dsl.select(e.ID, stored).from(e)
                    .where(stored.isNotNull()).and(stored.notLike(current)).and(e.ID.gt(after))
                    .orderBy(e.ID).limit(SWEEP_BATCH).fetch();
            seen = rows.size();
            for (var row : rows) {
                after = row.value1();
                sealed += reseal(row.value1(), column, row.value2()) ? 1 : 0;
            }
        } while (seen == SWEEP_BATCH);
        return sealed;
    }

    private boolean reseal(long endpointId, SecretColumn column, String stored) {
        String sealed;
        try {
            sealed = sealer.seal(sealer.open(stored, endpointId, column), endpointId, column);
        } catch (IllegalArgumentException unopenable) {
            log.warn("endpoint {}: {} left as it is: {}", endpointId, column.columnName(), unopenable.getMessage());
            return false;
        }
        var e = WEBHOOK_ENDPOINTS;
        return dsl.update(e).set(column(column), sealed)
                .where(e.ID.eq(endpointId)).and(column(column).eq(stored))
                .execute() == 1;
    }

    private static TableField<WebhookEndpointsRecord, String> column(SecretColumn column) {
        return switch (column) {
            case SECRET -> WEBHOOK_ENDPOINTS.SECRET;
            case PREVIOUS_SECRET -> WEBHOOK_ENDPOINTS.PREVIOUS_SECRET;
        };
    }
}
