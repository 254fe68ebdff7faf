package dev.spindle.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.regex.Pattern;

/**
 * What a checkpoint holds besides tensors.
 *
 * <p>The learning-rate schedule's position is {@code step}; the random state is {@code (seed, step)}
 * because the trainer reseeds the engine from them every step, so no generator state needs saving.
 * {@code dataCursor} is the data loader's resumable position as opaque JSON, kept byte for byte.
 * {@code loss} may be {@link Double#NaN} when no loss was measured yet (step 0).
 * {@code baseParametersDigest} is set when the checkpoint holds only the trainable parameters of a
 * model whose frozen base it does not copy (a LoRA run): the {@link ParametersDigest} of that base,
 * so that a resume can refuse a different one; {@code null} for full checkpoints.
 *
 * <pre>{@code
 * TrainState state = new TrainState(100, 42L, spec.digest(), loader.cursorJson(), lastLoss);
 * }</pre>
 */
public record TrainState(long step, long seed, String specDigest, String dataCursor, double loss,
                         String baseParametersDigest) {

    /** The cursor of a loader that has not read anything. */
    public static final String EMPTY_CURSOR = "{}";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

    /** A full checkpoint's state: no base digest. */
    public TrainState(long step, long seed, String specDigest, String dataCursor, double loss) {
        this(step, seed, specDigest, dataCursor, loss, null);
    }

    public TrainState {
        if (baseParametersDigest != null && !DIGEST.matcher(baseParametersDigest).matches()) {
            throw new IllegalArgumentException("TrainState.baseParametersDigest: got '" + baseParametersDigest
                    + "', expected 64 lowercase hex digits (ParametersDigest.of) or null");
        }
        if (step < 0) {
            throw new IllegalArgumentException("TrainState.step must be >= 0, got " + step);
        }
        if (specDigest == null) {
            throw new IllegalArgumentException(
                    "TrainState.specDigest is null; pass the job spec's digest (\"\" if there is no spec)");
        }
        if (dataCursor == null) {
            throw new IllegalArgumentException(
                    "TrainState.dataCursor is null; pass the loader's cursor JSON or TrainState.EMPTY_CURSOR");
        }
        try {
            JSON.readTree(dataCursor);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("TrainState.dataCursor is not valid JSON ("
                    + e.getOriginalMessage() + "): " + abbreviate(dataCursor), e);
        }
        if (Double.isInfinite(loss)) {
            throw new IllegalArgumentException(
                    "TrainState.loss must be finite (or NaN when not measured), got " + loss);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? "'" + text + "'" : "'" + text.substring(0, 80) + "...'";
    }
}
