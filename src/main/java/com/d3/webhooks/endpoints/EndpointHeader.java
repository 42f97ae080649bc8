package com.d3.webhooks.endpoints;

/**
 * A static header of an endpoint, sent with every request to it. Its value is usually a
 * credential: {@link #toString()} leaves it out.
 *
 * @param value the value as given, or as stored (sealed or plain text)
 */
public record EndpointHeader(String name, String value) {

    /**
     * "Name: value" as curl takes it; the spaces around the name and the value are dropped.
     *
     * @throws IllegalArgumentException when there is no colon, or the name or value is not allowed
     */
    public static EndpointHeader parse(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            // Without a colon the name cannot be told from the value: nothing of it is shown.
            throw new IllegalArgumentException("a header is given as 'Name: value'; one has no colon");
        }
        EndpointHeader h = new EndpointHeader(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        h.validate();
        return h;
    }

    /** @throws IllegalArgumentException when the name or the (opened) value is not allowed */
    public void validate() {
        String problem = HeaderRules.nameProblem(name);
        if (problem == null) {
            problem = HeaderRules.valueProblem(name, value);
        }
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /** Bytes on the wire: "Name: value" and CRLF. */
    int sentBytes() {
        return name.length() + value.length() + 4;
    }

    @Override
    public String toString() {
        return "header " + name;
    }
}
