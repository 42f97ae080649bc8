package com.d3.webhooks.secrets;

import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINT_HEADERS;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINT_OAUTH2;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.min;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The statements that keep endpoint secrets sealed at rest, in every column that holds one alike:
 * {@code secret}, the rotation's {@code previous_secret}, the Ed25519 {@code signing_key} and
 * {@code previous_signing_key}, the values of the endpoints' static headers and their OAuth2 client
 * secrets. The start-up check that every sealed value can be opened, and the sweep that seals
 * plain text (written by the dashboard's backend through the SQL contract) and re-seals values of
 * a rotated-out key or of the unbound first format. Writes are compare-and-set on the value read
 * and on where it lives, so a value the dashboard changes meanwhile is never overwritten.
 */
public final class EndpointSecrets {

    private static final Logger log = LoggerFactory.getLogger(EndpointSecrets.class);
    private static final int SWEEP_BATCH = 500;

    /**
     * A column of sealed values: its table's row id, and the fields besides it that say where a
     * row's value lives ({@code place} reads them from a row that has the row id, the value and them).
     */
    private record SealedColumn(String noun, Table<?> table, Field<Long> rowId, Field<String> value,
                                List<Field<?>> placeFields, Function<Record, SealedPlace> place) {
    }

    private static final List<SealedColumn> COLUMNS = List.of(
            endpointColumn(SecretColumn.SECRET, WEBHOOK_ENDPOINTS.SECRET),
            endpointColumn(SecretColumn.PREVIOUS_SECRET, WEBHOOK_ENDPOINTS.PREVIOUS_SECRET),
            endpointColumn(SecretColumn.CLIENT_KEY, WEBHOOK_ENDPOINTS.CLIENT_KEY),
            endpointColumn(SecretColumn.SIGNING_KEY, WEBHOOK_ENDPOINTS.SIGNING_KEY),
            endpointColumn(SecretColumn.PREVIOUS_SIGNING_KEY, WEBHOOK_ENDPOINTS.PREVIOUS_SIGNING_KEY),
            new SealedColumn("header value(s)", WEBHOOK_ENDPOINT_HEADERS, WEBHOOK_ENDPOINT_HEADERS.ID,
                    WEBHOOK_ENDPOINT_HEADERS.VALUE,
                    List.of(WEBHOOK_ENDPOINT_HEADERS.ENDPOINT_ID, WEBHOOK_ENDPOINT_HEADERS.NAME),
                    r -> SealedPlace.header(r.get(WEBHOOK_ENDPOINT_HEADERS.ENDPOINT_ID),
                            r.get(WEBHOOK_ENDPOINT_HEADERS.NAME))),
            new SealedColumn("OAuth2 client secret(s)", WEBHOOK_ENDPOINT_OAUTH2, WEBHOOK_ENDPOINT_OAUTH2.ENDPOINT_ID,
                    WEBHOOK_ENDPOINT_OAUTH2.CLIENT_SECRET, List.of(),
                    r -> SealedPlace.oauth2ClientSecret(r.get(WEBHOOK_ENDPOINT_OAUTH2.ENDPOINT_ID))));

    private final DSLContext dsl;
    private final SecretSealer sealer;
    private final AtomicInteger lastPlainWarned = new AtomicInteger();

    public EndpointSecrets(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    private static SealedColumn endpointColumn(SecretColumn column, Field<String> value) {
        String noun = column == SecretColumn.SIGNING_KEY || column == SecretColumn.PREVIOUS_SIGNING_KEY
                ? "signing key(s)" : "endpoint secret(s)";
        return new SealedColumn(noun, WEBHOOK_ENDPOINTS, WEBHOOK_ENDPOINTS.ID, value, List.of(),
                r -> SealedPlace.of(r.get(WEBHOOK_ENDPOINTS.ID), column));
    }

    /**
     * Refuses to go on when a sealed value cannot be opened with the keys this process has: no
     * key, the wrong key, or a value that does not open (one sample per column and key id is
     * decrypted).
     *
     * @throws IllegalStateException with one line for the operator; never a secret or a key
     */
    public void checkAllCanBeOpened() {
        Map<String, Map<String, Integer>> missingKeys = new LinkedHashMap<>();
        List<String> unopenable = new ArrayList<>();
        for (SealedColumn column : COLUMNS) {
            Field<String> keyId = field("split_part({0}, ':', 3)", String.class, column.value());
            for (var row : dsl.select(keyId, count(), min(column.rowId())).from(column.table())
                    .where(column.value().startsWith(SecretSealer.PREFIX)).groupBy(keyId).orderBy(keyId).fetch()) {
                if (!sealer.canOpen(row.value1())) {
                    missingKeys.computeIfAbsent(column.noun(), n -> new TreeMap<>())
                            .merge(row.value1(), row.value2(), Integer::sum);
                    continue;
                }
                Record sample = read(column).where(column.rowId().eq(row.value3())).fetchOne();
                SealedPlace place = column.place().apply(sample);
                try {
                    sealer.open(sample.get(column.value()), place);
                } catch (IllegalArgumentException bad) {
                    unopenable.add("endpoint " + place.endpointId() + ": " + bad.getMessage());
                }
            }
        }
        List<String> problems = new ArrayList<>();
        missingKeys.forEach((noun, byKey) -> byKey.forEach((keyId, n) ->
                problems.add(n + " " + noun + " sealed with key id " + keyId)));
        problems.addAll(unopenable);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cannot open the endpoint secrets: " + String.join("; ", problems) + " ("
                    + sealer.describeKeys() + "). Set " + SecretSealer.KEY_VARIABLE + " to the key they were "
                    + "sealed with (during a rotation, the previous key goes in " + SecretSealer.OLD_KEYS_VARIABLE
                    + ")");
        }
    }

    /** How many secrets, signing keys and header values are stored in plain text. */
    public int countPlaintext() {
        int plain = 0;
        for (SealedColumn column : COLUMNS) {
            plain += dsl.fetchCount(column.table(), column.value().isNotNull()
                    .and(column.value().notLike(SecretSealer.PREFIX + "%")));
        }
        return plain;
    }

    /**
     * Seals every plain-text value and re-seals every value of an old key, or sealed unbound, with
     * the current key, bound to where it lives. Returns how many it sealed; 0 without a key, with
     * a warning when there is plain text and its count changed since the last warning.
     */
    public int sealAll() {
        if (!sealer.canSeal()) {
            int plain = countPlaintext();
            // Said again only when the count changes: the sweep runs every few seconds.
            if (plain > 0 && plain != lastPlainWarned.getAndSet(plain)) {
                log.warn("{} endpoint secret(s), signing key(s) and header value(s) are stored in plain text; set {} and they will "
                        + "be sealed", plain, SecretSealer.KEY_VARIABLE);
            }
            return 0;
        }
        int sealed = 0;
        for (SealedColumn column : COLUMNS) {
            sealed += sealAll(column);
        }
        if (sealed > 0) {
            log.info("sealed {} endpoint secret(s), signing key(s) and header value(s) with key id {}", sealed,
                    sealer.keyId().orElseThrow());
        }
        return sealed;
    }

    private int sealAll(SealedColumn column) {
        String current = sealer.currentPrefix().orElseThrow() + "%";
        int sealed = 0;
        int seen;
        long after = 0;
        do {
            var rows = read(column).where(column.value().isNotNull()).and(column.value().notLike(current))
                    .and(column.rowId().gt(after)).orderBy(column.rowId()).limit(SWEEP_BATCH).fetch();
            seen = rows.size();
            for (Record row : rows) {
                after = row.get(column.rowId());
                sealed += reseal(column, row) ? 1 : 0;
            }
        } while (seen == SWEEP_BATCH);
        return sealed;
    }

    private boolean reseal(SealedColumn column, Record row) {
        SealedPlace place = column.place().apply(row);
        String stored = row.get(column.value());
        String sealed;
        try {
            sealed = sealer.seal(sealer.open(stored, place), place);
        } catch (IllegalArgumentException unopenable) {
            log.warn("endpoint {}: {} left as it is: {}", place.endpointId(), place.what(), unopenable.getMessage());
            return false;
        }
        Condition unchanged = column.rowId().eq(row.get(column.rowId())).and(column.value().eq(stored));
        for (Field<?> f : column.placeFields()) {
            unchanged = unchanged.and(same(f, row));
        }
        return dsl.update(column.table()).set(column.value(), sealed).where(unchanged).execute() == 1;
    }

    /** The row id, the value and where it lives, of a column's rows. */
    private org.jooq.SelectJoinStep<Record> read(SealedColumn column) {
        List<Field<?>> fields = new ArrayList<>(List.of(column.rowId(), column.value()));
        fields.addAll(column.placeFields());
        return dsl.select(fields).from(column.table());
    }

    private static <T> Condition same(Field<T> field, Record row) {
        return field.eq(row.get(field));
    }
}
