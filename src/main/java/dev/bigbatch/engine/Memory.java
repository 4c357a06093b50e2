package dev.bigbatch.engine;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Memory scopes for native objects. Every tensor created inside a scope is released when the scope
 * closes unless it was {@linkplain #keep attached} to an enclosing scope or is referenced by a
 * long-lived owner (parameters, optimizer state are created outside step scopes).
 */
public final class Memory {
  private Memory() {}

  /** Opens a scope; use with try-with-resources around one training step or one evaluation batch. */
  public static PointerScope scope() {
    return new PointerScope();
  }

  /** Moves {@code p} out of the innermost scope so it survives the scope's close. */
  public static <P extends Pointer> P keep(P p) {
    PointerScope inner = PointerScope.getInnerScope();
    if (inner != null) {
      inner.detach(p);
    }
    return p;
  }

  /** Physical memory in use by native allocations, in bytes (from JavaCPP's tracking). */
  public static long physicalBytes() {
    return Pointer.physicalBytes();
  }
}
