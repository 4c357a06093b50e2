package dev.bigbatch.lint;

import java.util.Objects;

/** One finding: which rule, why the config is risky (with numbers), and what to change. */
public record Warning(String ruleId, String reason, String fix) {
  public Warning {
    Objects.requireNonNull(ruleId, "ruleId");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(fix, "fix");
  }

  /** {@code [rule-id] reason} and an indented {@code fix:} line. */
  public String format() {
    return "[" + ruleId + "] " + reason + System.lineSeparator() + "    fix: " + fix;
  }
}
