package com.d3.webhooks.delivery;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.d3.webhooks.endpoints.EndpointHeader;
import com.d3.webhooks.endpoints.SigningMode;
import com.d3.webhooks.oauth.ClientCredentials;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A claimed delivery's credentials, printed by mistake, name what there is and show no value. */
class EndpointCredentialsTest {

    @Test
    void printedCredentialsShowNoSecretKeyOrHeaderValue() {
        EndpointCredentials credentials = new EndpointCredentials("whsec_current-9c1f", "whsec_previous-77aa",
                OffsetDateTime.now(), List.of(new EndpointHeader("X-Api-Key", "header-value-5e2b")),
                "-----BEGIN CERTIFICATE-----", "private-key-pem-0d4e",
                new StoredSigning(SigningMode.ED25519, "whsk_private-31b8", "whpk_public", null, null, null),
                new ClientCredentials("https://auth.example.com/token", "client", "client-secret-a6f0", null, null));

        String shown = credentials.toString();

        for (String secret : List.of("whsec_current-9c1f", "whsec_previous-77aa", "header-value-5e2b",
                "private-key-pem-0d4e", "whsk_private-31b8", "client-secret-a6f0")) {
            assertFalse(shown.contains(secret), shown);
        }
        assertTrue(shown.contains("secret") && shown.contains("1 static headers")
                && shown.contains("client certificate"), shown);
    }
}
