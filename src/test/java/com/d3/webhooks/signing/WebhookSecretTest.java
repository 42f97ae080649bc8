package com.d3.webhooks.signing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookSecretTest {

    @Test
    void whsecSecretKeysStandardWebhooksWithTheDecodedBytes() {
        var secret = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        assertArrayEquals(Base64.getDecoder().decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                secret.standardWebhooksKey().getEncoded());
        assertArrayEquals("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".getBytes(StandardCharsets.UTF_8),
                secret.d3Key().getEncoded());
    }

    @Test
    void anyOtherTextIsARawSecretKeyedByItsUtf8Bytes() {
        var secret = WebhookSecret.parse("shhh-raw-secret-ü");

        byte[] utf8 = "shhh-raw-secret-ü".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(utf8, secret.standardWebhooksKey().getEncoded());
        assertArrayEquals(utf8, secret.d3Key().getEncoded());
        assertEquals("shhh-raw-secret-ü", secret.revealText());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void emptyOrBlankSecretIsRefused(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse(text));
        assertTrue(e.getMessage().contains("webhook secret is empty"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"whsec_not*base64", "whsec_MfKQ9r8G-KYqrTwj_UPD8", "whsec_abc$"})
    void whsecSecretWithInvalidBase64IsRefusedWithoutEchoingIt(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse(text));

        assertTrue(e.getMessage().contains("not valid standard base64"), e.getMessage());
        assertFalse(e.getMessage().contains(text.substring(WebhookSecret.PREFIX.length())), e.getMessage());
    }

    @Test
    void whsecPrefixAloneIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse("whsec_"));
        assertTrue(e.getMessage().contains("no key after the prefix"), e.getMessage());
    }

    @Test
    void generatedSecretsAreRandomWhsecSecretsThatParseBack() {
        var first = WebhookSecret.generate();
        var second = WebhookSecret.generate();

        assertTrue(first.revealText().startsWith("whsec_"));
        assertEquals(WebhookSecret.GENERATED_KEY_BYTES, first.standardWebhooksKey().getEncoded().length);
        assertNotEquals(first.revealText(), second.revealText());
        assertArrayEquals(first.standardWebhooksKey().getEncoded(),
                WebhookSecret.parse(first.revealText()).standardWebhooksKey().getEncoded());
    }

    @Test
    void toStringNeverRevealsTheSecret() {
        for (var secret : new WebhookSecret[] {
                WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                WebhookSecret.parse("shhh-raw-secret"),
                WebhookSecret.generate()}) {
            assertEquals("WebhookSecret[redacted]", secret.toString());
            assertEquals("[WebhookSecret[redacted]]", java.util.List.of(secret).toString());
        }
    }
}
