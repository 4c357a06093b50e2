package dev.bigbatch.comm;

/** Element type of a communication buffer, in native byte order. */
public enum DataType {
    FLOAT32(Float.BYTES),
    FLOAT64(Double.BYTES);

    private final int bytes;

    DataType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
