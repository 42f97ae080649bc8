package com.d3.webhooks.network;

import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;

/**
 * Installs {@link DeliveryResolver} as the JVM's resolver (registered in
 * {@code META-INF/services}). The JDK skips every provider when {@code -Djdk.net.hosts.file} is
 * set; {@link DeliveryLookups} then refuses to judge deliveries without it.
 */
public class DeliveryResolverProvider extends InetAddressResolverProvider {

    @Override
    public final InetAddressResolver get(Configuration configuration) {
        return DeliveryResolver.install(upstream(configuration));
    }

    /** Where names are looked up: the JDK's own resolver. Tests answer from a script instead. */
    protected InetAddressResolver upstream(Configuration configuration) {
        return configuration.builtinResolver();
    }

    @Override
    public String name() {
        return "webhook-outbox delivery resolver";
    }
}
