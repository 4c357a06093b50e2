package dev.bigbatch.lint;

import java.util.Optional;

/** A check of one recipe mistake. Pure: looks at the context, never changes it. */
public interface Rule {
  /** Stable kebab-case id printed with every warning, e.g. {@code no-warmup-at-high-lr}. */
  String id();

  /** A warning when the context shows the mistake, empty otherwise. */
  Optional<Warning> check(LintContext context);
}
