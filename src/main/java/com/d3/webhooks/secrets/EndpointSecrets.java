package com.d3.webhooks.secrets;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.min;

import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The statements that keep endpoint secrets sealed at rest: the start-up check that every sealed
 * secret can be opened, and the sweep that seals plain text (written by the dashboard's backend
 * through the SQL contract) and re-seals values of a rotated-out key. Writes are compare-and-set
 * on the value read, so a secret the dashboard changes meanwhile is never overwritten.
 */
public final class EndpointSecrets {

    private static final Logger log = LoggerFactory.getLogger(EndpointSecrets.class);
    private static final int SWEEP_BATCH = 500;
    private static final Field<String> KEY_ID =
            field("split_part({0}, ':', 3)", String.class, WEBHOOK_ENDPOINTS.SECRET);

    private final DSLContext dsl;
    private final SecretSealer sealer;

    public EndpointSecrets(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /**
     * Refuses to go on when a sealed secret cannot be opened with the keys this process has: no
     * key, the wrong key, or a value that does not open (one sample per key id is decrypted).
     *
     * @throws IllegalStateException with one line for the operator; never a secret or a key
     */
    public void checkAllCanBeOpened() {
        var e = WEBHOOK_ENDPOINTS;
        List<String> problems = new ArrayList<>();
        for (var row : dsl.select(KEY_ID, count(), min(e.ID)).from(e)
                .where(e.SECRET.startsWith(SecretSealer.PREFIX)).groupBy(KEY_ID).orderBy(KEY_ID).fetch()) {
            String keyId = row.value1();
            int n = row.value2();
            if (!sealer.canOpen(keyId)) {
                problems.add(n + " endpoint secret(s) sealed with key id " + keyId);
                continue;
            }
            String sample = dsl.select(e.SECRET).from(e).where(e.ID.eq(row.value3())).fetchOne(e.SECRET);
            try {
                sealer.open(sample);
            } catch (IllegalArgumentException bad) {
                problems.add("endpoint " + row.value3() + ": " + bad.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cannot open the endpoint secrets: " + String.join("; ", problems) + " ("
                    + sealer.describeKeys() + "). Set " + SecretSealer.KEY_VARIABLE + " to the key they were "
                    + "sealed with (during a rotation, the previous key goes in " + SecretSealer.OLD_KEYS_VARIABLE
                    + ")");
        }
    }

    /** How many secrets are stored in plain text. */
    public int countPlaintext() {
        var e = WEBHOOK_ENDPOINTS;
        return dsl.fetchCount(e, e.SECRET.isNotNull().and(e.SECRET.notLike(SecretSealer.PREFIX + "%")));
    }

    /**
     * Seals every plain-text secret and re-seals every secret of an old key with the current key.
     * Returns how many it sealed; 0 (and a warning when there is plain text) without a key.
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
        var e = WEBHOOK_ENDPOINTS;
        String current = SecretSealer.V1 + sealer.keyId().orElseThrow() + ":%";
        int sealed = 0;
        int seen;
        long after = 0;
        do {
            var rows = dsl.select(e.ID, e.SECRET).from(e)
                    .where(e.SECRET.isNotNull()).and(e.SECRET.notLike(current)).and(e.ID.gt(after))
                    .orderBy(e.ID).limit(SWEEP_BATCH).fetch();
            seen = rows.size();
            for (var row : rows) {
                after = row.value1();
                sealed += reseal(row.value1(), row.value2()) ? 1 : 0;
            }
        } while (seen == SWEEP_BATCH);
        if (sealed > 0) {
            log.info("sealed {} endpoint secret(s) with key id {}", sealed, sealer.keyId().orElseThrow());
        }
        return sealed;
    }

    private boolean reseal(long endpointId, String stored) {
        String sealed;
        try {
            sealed = sealer.seal(sealer.open(stored));
        } catch (IllegalArgumentException unopenable) {
            log.warn("endpoint {}: secret left as it is: {}", endpointId, unopenable.getMessage());
            return false;
        }
        var e = WEBHOOK_ENDPOINTS;
        return dsl.update(e).set(e.SECRET, sealed)
                .where(e.ID.eq(endpointId)).and(e.SECRET.eq(stored))
                .execute() == 1;
    }
}
