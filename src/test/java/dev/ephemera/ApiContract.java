package dev.ephemera;


import dev.ephemera.support.Broker;
import dev.ephemera.support.BrokerExtension;
import dev.ephemera.support.Broker.Reply;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the HTTP contract tests share: a broker on the store a subclass names ({@link BrokerExtension}, which also
 * checks that no secret reached any log), a key that writes and one that only reads, and small helpers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ApiContract {

    @RegisterExtension
    final BrokerExtension env = environment();
    protected Broker broker;
    protected String writer;
    protected String reader;

    /** The broker under test, on the store this subclass is for. */
    protected abstract BrokerExtension environment();

    @BeforeAll
    void createKeys() {
        broker = env.broker();
        writer = env.secret(broker.createKey("read", "write"));
        reader = env.secret(broker.createKey("read"));
    }

    protected Reply mint(Map<String, Object> body) {
        return broker.mint(writer, body);
    }

    protected static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
