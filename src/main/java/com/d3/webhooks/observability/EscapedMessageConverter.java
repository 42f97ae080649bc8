package com.d3.webhooks.observability;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.d3.webhooks.text.ControlCharacters;

/**
 * {@code %msg} of the text log format with control characters escaped: a message can quote an
 * endpoint's URL or a receiver's text, and text logs are read on terminals. One line per message
 * also keeps a crafted line break from forging a log line.
 */
public final class EscapedMessageConverter extends MessageConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return ControlCharacters.escape(super.convert(event));
    }
}
