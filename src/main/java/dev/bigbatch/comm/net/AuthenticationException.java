package dev.bigbatch.comm.net;

import java.io.IOException;

/** The other end of a connection did not prove it knows the job secret (or spoke garbage). */
public final class AuthenticationException extends IOException {
  public AuthenticationException(String message) {
    super(message);
  }
}
