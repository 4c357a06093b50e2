package dev.bigbatch.job;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** bigbatch's version as the build recorded it (the jar's Maven pom.properties), for --version and run directories. */
public final class Version {
  private static final String POM = "/META-INF/maven/dev.bigbatch/bigbatch/pom.properties";

  private Version() {}

  /** E.g. {@code 0.1.0-SNAPSHOT}; {@code development build} when running from compiled classes without a jar. */
  public static String current() {
    try (InputStream in = Version.class.getResourceAsStream(POM)) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isBlank()) {
          return v.trim();
        }
      }
    } catch (IOException e) {
      // fall through: the version is informational
    }
    return "development build";
  }
}
