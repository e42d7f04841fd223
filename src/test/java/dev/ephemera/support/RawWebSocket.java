package dev.ephemera.support;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client written on a bare socket, for what the JDK's client cannot do: offer an extension, see the
 * handshake's answer as it came, stop reading while the other side writes. Frames are written masked with the
 * all-zero key (RFC 6455 requires the mask, not a random key), so the payload goes as it is.
 */
public final class RawWebSocket implements AutoCloseable {

    /** A frame as read: its opcode and payload. */
    public record Frame(int opcode, byte[] payload) {
        public boolean isClose() {
            return opcode == 8;
        }

        public int closeCode() {
            return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        public String closeReason() {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** The handshake's answer: status line and headers. */
    public final String head;

    private RawWebSocket(Socket socket, String head) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.head = head;
    }

    /**
     * Sends the handshake for {@code /v1/realtime} with the token in the {@code ephemera} subprotocol and
     * {@code extraHeaders} (whole lines, each ending in CRLF), and reads the answer's head.
     */
    public static RawWebSocket open(String brokerUrl, String token, String extraHeaders, int receiveBuffer)
            throws IOException {
        URI url = URI.create(brokerUrl);
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress(url.getHost(), url.getPort()), 5000);
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("GET /v1/realtime HTTP/1.1\r\nHost: " + url.getAuthority() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Protocol: ephemera, ephemera-token." + token + "\r\n" + extraHeaders + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = socket.getInputStream().read();
            if (b == -1) {
                socket.close();
                throw new EOFException("the handshake's answer ended early: " + head);
            }
            head.append((char) b);
        }
        return new RawWebSocket(socket, head.toString());
    }

    public void sendText(String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 125) {
            throw new IllegalArgumentException("short texts only");
        }
        out.write(new byte[] {(byte) 0x81, (byte) (0x80 | payload.length), 0, 0, 0, 0});
        out.write(payload);
        out.flush();
    }

    /** Ends the session as a client should: a close frame (1000), then the server's answering close frame. */
    public void closeNormally() throws IOException {
        out.write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xe8});
        out.flush();
        while (!read().isClose()) {
            // frames still on their way
        }
    }

    /** Ends the session with a close frame without a code (RFC 6455: "no status"); answers the server's close frame. */
    public Frame closeWithoutCode() throws IOException {
        out.write(new byte[] {(byte) 0x88, (byte) 0x80, 0, 0, 0, 0});
        out.flush();
        Frame frame;
        do {
            frame = read();
        } while (!frame.isClose());
        return frame;
    }

    public Frame read() throws IOException {
        int opcode = in.readUnsignedByte() & 0x0f;
        long length = in.readUnsignedByte() & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        return new Frame(opcode, in.readNBytes(Math.toIntExact(length)));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
