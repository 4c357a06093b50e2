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

  /**
   * Makes {@code p} survive the close of the scope it was created in; it is then freed by the garbage
   * collector once unreachable. Takes a reference of its own rather than {@code detach}ing: JavaCPP's
   * {@code PointerScope.detach} releases the scope's reference, which frees a pointer that nothing else
   * holds at once (a model built inside a scope came back with freed parameters).
   */
  public static <P extends Pointer> P keep(P p) {
    if (PointerScope.getInnerScope() != null) {
      p.retainReference();
    }
    return p;
  }

  /** Physical memory in use by native allocations, in bytes (from JavaCPP's tracking). */
  public static long physicalBytes() {
    return Pointer.physicalBytes();
  }
}
