package dev.ephemera.relay.realtime;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.micronaut.http.server.netty.websocket.NettyServerWebSocketUpgradeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import jakarta.inject.Singleton;

/**
 * Takes Micronaut's WebSocket compression handler out of every HTTP/1.1 connection, so the relay negotiates no
 * {@code permessage-deflate} with browsers (which all offer it). A relay passes frames on; compressing them would
 * cost every session a deflater and an inflater (hundreds of KB each, outside the heap), and a client's small
 * compressed frame would be inflated whole, past {@code ephemera.relay.max-frame-bytes}, before any limit applies.
 */
@Singleton
final class NoWebSocketCompression implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new Remover(null));
        return event.getBean();
    }

    private record Remover(Channel channel) implements NettyServerCustomizer {

        @Override
        public NettyServerCustomizer specializeForChannel(Channel channel, ChannelRole role) {
            return new Remover(channel);
        }

        @Override
        public void onStreamPipelineBuilt() {
            if (channel != null) {
                ChannelPipeline pipeline = channel.pipeline();
                if (pipeline.get(NettyServerWebSocketUpgradeHandler.COMPRESSION_HANDLER) != null) {
                    pipeline.remove(NettyServerWebSocketUpgradeHandler.COMPRESSION_HANDLER);
                }
            }
        }
    }
}
