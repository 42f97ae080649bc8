package com.d3.webhooks.endpoints;

import com.d3.webhooks.clientcert.ClientCertificateStatus;
import com.d3.webhooks.db.DbTime;
import com.d3.webhooks.ordering.OrderedKeys;
import static com.d3.webhooks.db.schema.Tables.WEBHOOK_ENDPOINTS;

import com.d3.webhooks.db.schema.tables.records.WebhookEndpointsRecord;
import com.d3.webhooks.oauth.OAuth2Repository;
import com.d3.webhooks.oauth.OAuth2Summary;
import com.d3.webhooks.signing.WebhookSecret;
import com.d3.webhooks.state.DeliveryState;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import com.d3.webhooks.secrets.SealedPlace;
import com.d3.webhooks.secrets.SecretColumn;
import com.d3.webhooks.secrets.SecretSealer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalInt;
import java.util.Map;
import java.util.Optional;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.impl.DSL;

/**
 * Registers, reads and changes endpoints (the same rows the dashboard's backend writes by SQL,
 * see docs/operators.md). One statement per method; times come from the caller's clock. Built
 * with a {@link SecretSealer} that has a key, it stores new secrets sealed; without one it stores
 * them as given, as the dashboard's backend does, and the worker seals them later.
 */
public final class EndpointRepository {

    private static final com.d3.webhooks.db.schema.tables.WebhookEndpoints E = WEBHOOK_ENDPOINTS;

    private final DSLContext dsl;
    private final SecretSealer sealer;

    /** Stores secrets as given (plain text): what the SQL contract allows the dashboard to do. */
    public EndpointRepository(DSLContext dsl) {
        this(dsl, SecretSealer.none());
    }

    public EndpointRepository(DSLContext dsl, SecretSealer sealer) {
        this.dsl = dsl;
        this.sealer = sealer;
    }

    /**
     * Inserts the endpoint, enabled, its secret sealed when this repository has a key; returns its
     * id. A sealed secret is bound to the endpoint's id, known only once the row exists: the row is
     * inserted without it and given it in the same transaction, so plain text is never written.
     */
    public long add(NewEndpoint e) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            boolean sealLater = e.secret() != null && sealer.canSeal();
            long id = tx.insertInto(E)
                    .set(E.ACCOUNT_ID, e.accountId())
                    .set(E.URL, e.url())
                    .set(E.SECRET, sealLater ? null : e.secret())
                    .set(E.EVENT_TYPES, e.eventTypes().isEmpty() ? null : e.eventTypes().toArray(String[]::new))
                    .set(E.DESCRIPTION, e.description())
                    .set(E.MAX_IN_FLIGHT, e.maxInFlight())
                    .returning(E.ID)
                    .fetchOne(E.ID);
            if (sealLater) {
                tx.update(E).set(E.SECRET, sealer.seal(e.secret(), id, SecretColumn.SECRET)).where(E.ID.eq(id))
                        .execute();
            }
            return id;
        });
    }

    /**
     * Makes an endpoint ordered or not. Turning ordering off lets every waiting delivery of the
     * endpoint go at once (due at {@code now}); turning it on orders the events routed from now on.
     */
    public boolean setOrdered(long id, boolean ordered, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            int changed = tx.update(WEBHOOK_ENDPOINTS)
                    .set(WEBHOOK_ENDPOINTS.ORDERED, ordered)
                    .set(WEBHOOK_ENDPOINTS.UPDATED_AT, DbTime.utc(now))
                    .where(WEBHOOK_ENDPOINTS.ID.eq(id))
                    .execute();
            if (!ordered) {
                var d = com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
                Condition waiting = d.STATE.eq(DeliveryState.WAITING.sql());
                tx.update(d)
                        .setNull(d.ORDERING_KEY)
                        .set(d.STATE, DSL.when(waiting, DeliveryState.PENDING.sql()).otherwise(d.STATE))
                        .set(d.NEXT_ATTEMPT_AT, DSL.when(waiting, DbTime.utc(now)).otherwise(d.NEXT_ATTEMPT_AT))
                        .where(d.ENDPOINT_ID.eq(id)).and(d.ORDERING_KEY.isNotNull())
                        .and(d.STATE.in(DeliveryState.WAITING.sql(), DeliveryState.PENDING.sql(),
                                DeliveryState.PAUSED.sql(), DeliveryState.IN_FLIGHT.sql(), DeliveryState.FAILED.sql()))
                        .execute();
            }
            return changed == 1;
        });
    }

    /**
     * Sets the endpoint's rate limit, requests per second from all workers together; null removes
     * it. The token bucket starts full. False when there is no such endpoint.
     */
    public boolean setRateLimit(long id, Integer perSecond, Instant now) {
        String problem = Endpoint.rateLimitProblem(perSecond);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return dsl.update(E)
                .set(E.RATE_LIMIT_PER_SECOND, perSecond)
                .set(E.RATE_TOKENS, (Double) null)
                .set(E.RATE_REFILLED_AT, (OffsetDateTime) null)
                .set(E.UPDATED_AT, DbTime.utc(now))
                .where(E.ID.eq(id))
                .execute() == 1;
    }

    /**
     * Sets what the endpoint's ordered keys do when a delivery fails for good. Switching to skip
     * lets every key the endpoint's failed deliveries block move on at once, in this transaction;
     * switching to block makes those failed deliveries block their keys again from the keys' next
     * step (skip them first if that is not wanted). False when there is no such endpoint.
     */
    public boolean setOnExhausted(long id, OnExhausted policy, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            int changed = tx.update(E)
                    .set(E.ON_EXHAUSTED, policy.value())
                    .set(E.UPDATED_AT, DbTime.utc(now))
                    .where(E.ID.eq(id))
                    .execute();
            if (changed == 1 && policy == OnExhausted.SKIP) {
                var d = com.d3.webhooks.db.schema.Tables.WEBHOOK_DELIVERIES;
                List<OrderedKeys.Key> blocked = tx.selectDistinct(d.ORDERING_KEY).from(d)
                        .where(d.ENDPOINT_ID.eq(id)).and(d.ORDERING_KEY.isNotNull())
                        .and(d.STATE.eq(DeliveryState.FAILED.sql()))
                        .fetch(r -> new OrderedKeys.Key(id, r.value1()));
                OrderedKeys.promoteHeads(tx, blocked, now);
            }
            return changed == 1;
        });
    }

    public Optional<Endpoint> find(long id) {
        return withHeaders(dsl.selectFrom(E).where(E.ID.eq(id)).fetch()).stream().findFirst();
    }

    /** Every endpoint, or one account's, by id. */
    public List<Endpoint> list(String accountId) {
        Condition which = accountId == null ? DSL.noCondition() : E.ACCOUNT_ID.eq(accountId);
        return withHeaders(dsl.selectFrom(E).where(which).orderBy(E.ID).fetch());
    }

    private List<Endpoint> withHeaders(List<WebhookEndpointsRecord> rows) {
        List<Long> ids = rows.stream().map(WebhookEndpointsRecord::getId).toList();
        Map<Long, List<StaticHeader>> headers = new EndpointHeaderRepository(dsl, sealer).describe(ids);
        Map<Long, OAuth2Summary> oauth2 = new OAuth2Repository(dsl, sealer).describe(ids);
        return rows.stream().map(r -> toEndpoint(r, headers.getOrDefault(r.getId(), List.of()), oauth2.get(r.getId())))
                .toList();
    }

    /** Applies the non-null parts of {@code changes}; false when there is no such endpoint. */
    public boolean update(long id, EndpointChanges changes, Instant now) {
        Map<Field<?>, Object> set = new LinkedHashMap<>();
        if (changes.url() != null) {
            set.put(E.URL, changes.url());
        }
        if (changes.eventTypes() != null) {
            set.put(E.EVENT_TYPES, changes.eventTypes().isEmpty() ? null
                    : changes.eventTypes().toArray(String[]::new));
        }
        if (changes.description() != null) {
            set.put(E.DESCRIPTION, changes.description().isBlank() ? null : changes.description());
        }
        if (changes.maxInFlight() != null) {
            set.put(E.MAX_IN_FLIGHT, changes.maxInFlight() == EndpointChanges.DEFAULT_MAX_IN_FLIGHT ? null
                    : changes.maxInFlight());
        }
        set.put(E.UPDATED_AT, DbTime.utc(now));
        return dsl.update(E).set(set).where(E.ID.eq(id)).execute() == 1;
    }

    /**
     * Stops deliveries to the endpoint: new events are not routed to it, and the deliveries already
     * created are paused until it is enabled again. Disabling again keeps the first disabled_at and
     * records the new reason. Returns how many pending deliveries it paused; empty when there is no
     * such endpoint.
     */
    public OptionalInt disable(long id, String reason, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            PausedDeliveries.lock(tx, id);
            int found = tx.update(E)
                    .set(E.ENABLED, false)
                    .set(E.DISABLED_REASON, reason)
                    .set(E.DISABLED_AT, DSL.coalesce(E.DISABLED_AT, DSL.val(DbTime.utc(now))))
                    .set(E.UPDATED_AT, DbTime.utc(now))
                    .where(E.ID.eq(id))
                    .execute();
            return found == 0 ? OptionalInt.empty() : OptionalInt.of(PausedDeliveries.pause(tx, id, now));
        });
    }

    /**
     * Delivers to the endpoint again: its paused deliveries are due now. Returns how many; empty
     * when there is no such endpoint.
     */
    public OptionalInt enable(long id, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            PausedDeliveries.lock(tx, id);
            int found = tx.update(E)
                    .set(E.ENABLED, true)
                    .set(E.DISABLED_REASON, (String) null)
                    .set(E.DISABLED_AT, (OffsetDateTime) null)
                    // A fresh start: the failures before the disabling do not count towards the next one.
                    .set(E.FAILING_SINCE, (OffsetDateTime) null)
                    .set(E.CONSECUTIVE_FAILURES, 0)
                    .set(E.BREAKER_OPENINGS, 0)
                    .set(E.BREAKER_OPEN_UNTIL, (OffsetDateTime) null)
                    .set(E.UPDATED_AT, DbTime.utc(now))
                    .where(E.ID.eq(id))
                    .execute();
            return found == 0 ? OptionalInt.empty() : OptionalInt.of(PausedDeliveries.resume(tx, id, now));
        });
    }

    /**
     * Makes {@code newSecret} the signing secret; the current one keeps signing (as a second
     * webhook-signature entry) until {@code now + overlap}. A zero overlap stops it at once.
     * With a key, the current secret is re-sealed for previous_secret (without one it moves as it
     * is, as the dashboard's SQL rotation does; it opens there all the same). Empty when there is
     * no such endpoint.
     *
     * @throws IllegalArgumentException when the current secret is sealed and cannot be opened
     */
    public Optional<SecretRotation> rotateSecret(long id, WebhookSecret newSecret, Duration overlap, Instant now) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var current = tx.select(E.SECRET, E.PREVIOUS_SECRET_EXPIRES_AT).from(E).where(E.ID.eq(id))
                    .forUpdate().fetchOptional();
            if (current.isEmpty()) {
                return Optional.<SecretRotation>empty();
            }
            String oldSecret = current.get().value1();
            SecretRotation rotation = SecretRotation.at(id, oldSecret != null, current.get().value2(), overlap, now);
            tx.update(E)
                    .set(E.SECRET, sealed(newSecret.revealText(), id, SecretColumn.SECRET))
                    .set(E.PREVIOUS_SECRET, rotation.keepsPrevious() ? sealer.moveIfKeyed(oldSecret,
                            SealedPlace.of(id, SecretColumn.SECRET), SealedPlace.of(id, SecretColumn.PREVIOUS_SECRET))
                            : null)
                    .set(E.PREVIOUS_SECRET_EXPIRES_AT, rotation.previousSecretExpiresAt())
                    .set(E.UPDATED_AT, DbTime.utc(now))
                    .where(E.ID.eq(id))
                    .execute();
            return Optional.of(rotation);
        });
    }

    private static Endpoint toEndpoint(WebhookEndpointsRecord r, List<StaticHeader> headers, OAuth2Summary oauth2) {
        return new Endpoint(r.getId(), r.getAccountId(), r.getUrl(), r.getSecret() != null,
                r.getEventTypes() == null ? List.of() : Arrays.asList(r.getEventTypes()), r.getDescription(),
                r.getEnabled(), r.getDisabledReason(), r.getDisabledAt(), r.getOrdered(),
                r.getPreviousSecret() == null ? null : r.getPreviousSecretExpiresAt(), r.getCreatedAt(),
                r.getUpdatedAt(), SecretSealer.isSealed(r.getSecret()), SecretSealer.keyIdOf(r.getSecret()).orElse(null),
                SecretSealer.isSealed(r.getPreviousSecret()), SecretSealer.keyIdOf(r.getPreviousSecret()).orElse(null),
                r.getMaxInFlight(), r.getRateLimitPerSecond(), r.getConsecutiveFailures(), r.getBreakerOpenUntil(),
                r.getBreakerOpenings(), OnExhausted.parse(r.getOnExhausted()), headers,
                ClientCertificateStatus.of(r.getClientCertificate(), r.getClientKey()), EndpointSigning.of(r), oauth2);
    }

    /** Secrets are stored sealed when this repository has a key. */
    private String sealed(String secret, long id, SecretColumn column) {
        return sealer.sealIfKeyed(secret, SealedPlace.of(id, column));
    }

}
