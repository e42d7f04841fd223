package dev.ephemera.relay.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The relay's own handling of a session's frames (issue 29 item 7): client message frames taken in the pipeline
 * before Micronaut's handler, and what one read of the client brought written to the provider with one flush.
 */
class ClientFramesTest {

    private static TextWebSocketFrame text(String s) {
        return new TextWebSocketFrame(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
    }

    @Test
    void messageFramesGoToTheSessionAndEveryOtherFrameToMicronaut() {
        List<String> taken = new ArrayList<>();
        List<Object> passedOn = new ArrayList<>();
        int[] readsComplete = {0};
        EmbeddedChannel client = new EmbeddedChannel();
        client.pipeline().addLast("micronaut", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passedOn.add(msg);
            }
        });
        ChannelHandlerContext http = client.pipeline().context("micronaut");
        assertThat(ClientFrames.install(http, new ClientFrames.Sink() {
            @Override
            public void fromClientFrame(WebSocketFrame frame) {
                taken.add(frame.getClass().getSimpleName() + ":" + frame.content().readableBytes());
            }

            @Override
            public void clientReadComplete() {
                readsComplete[0]++;
            }
        })).isTrue();
        assertThat(client.pipeline().names()).startsWith(ClientFrames.NAME, "micronaut");

        TextWebSocketFrame first = text("{\"type\":\"a\"}");
        BinaryWebSocketFrame second = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[3]));
        CloseWebSocketFrame close = new CloseWebSocketFrame(1000, "bye");
        PingWebSocketFrame ping = new PingWebSocketFrame();
        client.writeInbound(first, second, ping, close);

        assertThat(taken).containsExactly("TextWebSocketFrame:12", "BinaryWebSocketFrame:3");
        assertThat(first.refCnt()).as("released once the session took it").isZero();
        assertThat(second.refCnt()).isZero();
        assertThat(passedOn).containsExactly(ping, close);
        assertThat(readsComplete[0]).isEqualTo(1);
        ping.release();
        close.release();
    }

    @Test
    void whatOneReadBroughtLeavesForTheProviderWithOneFlush() {
        Backlog backlog = new Backlog(new EmbeddedChannel(), 1 << 20, Duration.ofSeconds(5), () -> { });
        ProviderWrites writes = new ProviderWrites(backlog);
        EmbeddedChannel provider = new EmbeddedChannel();
        writes.message(text("early"));
        assertThat(backlog.pending()).as("waits, counted, until the provider is open").isEqualTo(5);
        writes.opened(provider, "{\"type\":\"session.update\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(texts(provider)).containsExactly("{\"type\":\"session.update\"}", "early");

        writes.message(text("one"));
        writes.message(text("two"));
        assertThat(texts(provider)).as("nothing leaves before the read is done").isEmpty();
        assertThat(backlog.pending()).isEqualTo(6);
        writes.flush();
        assertThat(texts(provider)).containsExactly("one", "two");
        assertThat(backlog.pending()).isZero();

        writes.event("{\"type\":\"own\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(texts(provider)).as("the broker's own events leave at once").containsExactly("{\"type\":\"own\"}");
    }

    @Test
    void messagesThatWaitedForTheProviderAreDroppedWhenTheSessionEnds() {
        ProviderWrites writes = new ProviderWrites(new Backlog(new EmbeddedChannel(), 1 << 20,
                Duration.ofSeconds(5), () -> { }));
        TextWebSocketFrame early = text("early");
        writes.message(early);
        writes.end(1000, "", Duration.ofSeconds(5));
        assertThat(early.refCnt()).isZero();
    }

    private static List<String> texts(EmbeddedChannel channel) {
        List<String> out = new ArrayList<>();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            out.add(((TextWebSocketFrame) msg).text());
            ((TextWebSocketFrame) msg).release();
        }
        return out;
    }
}
