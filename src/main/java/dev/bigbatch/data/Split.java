package dev.bigbatch.data;

/** Which part of a dataset to read. */
public enum Split {
  TRAIN,
  TEST
}
