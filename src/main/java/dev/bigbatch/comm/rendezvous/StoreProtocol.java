package dev.bigbatch.comm.rendezvous;

/**
 * Store wire format after the handshake (big-endian, length-prefixed, no serialization):
 * request {@code op:int8 keyLen:int32 key[keyLen] (SET: valueLen:int32 value[valueLen] | GET: waitMillis:int64)};
 * response {@code status:int8 (OK: valueLen:int32 value[valueLen], only for GET)}.
 */
final class StoreProtocol {
  static final byte SET = 1;
  static final byte GET = 2;
  static final byte OK = 0;
  static final byte TIMEOUT = 1;
  static final int MAX_KEY_BYTES = 4096;
  static final int MAX_VALUE_BYTES = 1 << 20;
  static final String PURPOSE = "store";

  private StoreProtocol() {
  }
}
