package dev.bigbatch.comm.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Mutual HMAC-SHA256 challenge/response run on every new connection before any other byte.
 *
 * <pre>
 * acceptor  -> connector : "BBH1" nonceA[32]
 * connector -> acceptor  : "BBH1" nonceC[32] id[int32] HMAC(secret, purpose|"C"|nonceA|nonceC|id)
 * acceptor  -> connector : HMAC(secret, purpose|"A"|nonceA|nonceC|id)
 * </pre>
 *
 * All messages have fixed sizes, so garbage can never make either side allocate or wait for more than
 * a few dozen bytes; the deadline bounds a silent stranger. {@code purpose} binds the proof to one use
 * ("store" or "peer"), {@code id} is the connector's claimed rank, covered by the MAC.
 */
public final class Handshake {
  private static final byte[] MAGIC = "BBH1".getBytes(StandardCharsets.US_ASCII);
  private static final int NONCE = 32;
  private static final int MAC = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Handshake() {
  }

  /** Acceptor side; returns the connector's authenticated id. */
  public static int accept(DeadlineChannel ch, JobSecret secret, String purpose, long deadlineNanos)
      throws IOException {
    byte[] nonceA = nonce();
    ByteBuffer hello = ByteBuffer.allocate(MAGIC.length + NONCE).put(MAGIC).put(nonceA).flip();
    ch.writeFully(hello, deadlineNanos);

    ByteBuffer reply = ByteBuffer.allocate(MAGIC.length + NONCE + Integer.BYTES + MAC);
    ch.readFully(reply, deadlineNanos);
    reply.flip();
    byte[] magic = new byte[MAGIC.length];
    reply.get(magic);
    if (!MessageDigest.isEqual(magic, MAGIC)) {
      throw new AuthenticationException("not a bigbatch " + purpose + " client (bad magic)");
    }
    byte[] nonceC = new byte[NONCE];
    reply.get(nonceC);
    int id = reply.getInt();
    byte[] mac = new byte[MAC];
    reply.get(mac);
    if (!MessageDigest.isEqual(mac, mac(secret, purpose, "C", nonceA, nonceC, id))) {
      throw new AuthenticationException("client failed the " + purpose
          + " challenge (wrong BIGBATCH_SECRET, or not part of this job)");
    }
    ch.writeFully(ByteBuffer.wrap(mac(secret, purpose, "A", nonceA, nonceC, id)), deadlineNanos);
    return id;
  }

  /** Connector side, claiming {@code id}; throws if the acceptor does not prove the secret. */
  public static void connect(DeadlineChannel ch, JobSecret secret, String purpose, int id, long deadlineNanos)
      throws IOException {
    ByteBuffer hello = ByteBuffer.allocate(MAGIC.length + NONCE);
    ch.readFully(hello, deadlineNanos);
    hello.flip();
    byte[] magic = new byte[MAGIC.length];
    hello.get(magic);
    if (!MessageDigest.isEqual(magic, MAGIC)) {
      throw new AuthenticationException("not a bigbatch " + purpose + " server (bad magic)");
    }
    byte[] nonceA = new byte[NONCE];
    hello.get(nonceA);
    byte[] nonceC = nonce();
    ByteBuffer reply = ByteBuffer.allocate(MAGIC.length + NONCE + Integer.BYTES + MAC)
        .put(MAGIC).put(nonceC).putInt(id).put(mac(secret, purpose, "C", nonceA, nonceC, id)).flip();
    ch.writeFully(reply, deadlineNanos);
    ByteBuffer proof = ByteBuffer.allocate(MAC);
    try {
      ch.readFully(proof, deadlineNanos);
    } catch (java.io.EOFException e) {
      throw new AuthenticationException("the " + purpose
          + " server closed the connection during the handshake (wrong BIGBATCH_SECRET?)");
    }
    if (!MessageDigest.isEqual(proof.array(), mac(secret, purpose, "A", nonceA, nonceC, id))) {
      throw new AuthenticationException("the " + purpose + " server failed the challenge (wrong secret)");
    }
  }

  private static byte[] nonce() {
    byte[] n = new byte[NONCE];
    RANDOM.nextBytes(n);
    return n;
  }

  private static byte[] mac(JobSecret secret, String purpose, String direction, byte[] nonceA, byte[] nonceC,
      int id) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.key(), "HmacSHA256"));
      mac.update(purpose.getBytes(StandardCharsets.UTF_8));
      mac.update((byte) 0);
      mac.update(direction.getBytes(StandardCharsets.US_ASCII));
      mac.update(nonceA);
      mac.update(nonceC);
      mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(id).array());
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
