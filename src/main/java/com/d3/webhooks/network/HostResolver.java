package com.d3.webhooks.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Turns a DNS name into addresses; a seam so tests decide what a name resolves to. */
@FunctionalInterface
public interface HostResolver {

    List<InetAddress> resolve(String host) throws UnknownHostException;
}
