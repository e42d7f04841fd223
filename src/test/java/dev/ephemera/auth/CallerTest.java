package dev.ephemera.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.security.authentication.Authentication;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A caller goes through Micronaut Security whole, as one typed attribute, and comes back as it went. */
class CallerTest {

    @Test
    void anApiKeyCallerComesBackAsItWentWithItsPermissionsAsRoles() {
        Caller key = Caller.apiKey("key_a", EnumSet.of(Permission.ADMIN), List.of("https://app.example.com"),
                List.of("openai"), 30, new KeyBudget(5_000L, 2_000_000L, 50_000_000L));
        Authentication authentication = key.authentication();
        assertThat(Caller.of(authentication)).isEqualTo(key);
        assertThat(authentication.getName()).isEqualTo("key_a");
        assertThat(authentication.getRoles()).as("admin holds every permission, for @Secured")
                .containsExactlyInAnyOrderElementsOf(Permission.effective(Set.of(Permission.ADMIN)).stream()
                        .map(Permission::wireName).toList());
        assertThat(authentication.getAttributes()).containsOnlyKeys(Caller.CALLER);
    }

    @Test
    void aUserCallerKeepsItsSubjectAndRole() {
        Caller user = new Caller("usr_1", Set.of(), List.of(), List.of(), "alice", true, null, null,
                KeyBudget.NONE);
        Authentication authentication = user.authentication();
        assertThat(Caller.of(authentication)).isEqualTo(user);
        assertThat(authentication.getRoles()).containsExactly(JwtCallers.ROLE_USER);
    }

    @Test
    void anAuthenticationThisBrokerDidNotIssueIsNoCaller() {
        Authentication foreign = Authentication.build("key_a", List.of("admin"),
                Map.of("ephemera.subject", "alice", "ephemera.caller", "key_a"));
        assertThatThrownBy(() -> Caller.of(foreign)).isInstanceOf(IllegalStateException.class);
    }
}
