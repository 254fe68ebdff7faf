package dev.spindle.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Set;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, as
 * {@code torch.optim.SGD} with dampening 0: {@code g += wd*p; buf = momentum*buf + g} (the first
 * buffer is {@code g} itself); {@code g = nesterov ? g + momentum*buf : buf}; {@code p -= lr*g}.
 *
 * <pre>{@code
 * Optimizer sgd = new Sgd(stateManager, 0.9, true, 5e-4);
 * sgd.step(model.parameters(), 0.1f);
 * }</pre>
 *
 * <p>State per trainable parameter, only when momentum is used: {@code momentum_buffer/<p>}.
 */
public final class Sgd extends NamedStateOptimizer {

    private static final String MOMENTUM_BUFFER = "momentum_buffer";

    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;

    /** @param stateManager owns the momentum buffers; closing it frees them */
    public Sgd(NDManager stateManager, double momentum, boolean nesterov, double weightDecay) {
        super(stateManager);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum: got " + momentum + ", expected a value in [0, 1)");
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("nesterov: got true with momentum 0, expected momentum > 0");
        }
        if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException("weightDecay: got " + weightDecay + ", expected >= 0");
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    @Override
    List<String> kinds() {
        return List.of(MOMENTUM_BUFFER);
    }

    @Override
    Set<String> scalarKinds() {
        return Set.of();
    }

    @Override
    void update(String name, NDArray parameter, NDArray gradient, float lr) {
        NDArray direction = weightDecay == 0 ? gradient : gradient.add(parameter.mul(weightDecay));
        if (momentum != 0) {
            NDArray buffer = stateArray(MOMENTUM_BUFFER, name);
            if (buffer == null) {
                buffer = keep(MOMENTUM_BUFFER, name, direction.duplicate());
            } else {
                buffer.muli(momentum).addi(direction);
            }
            direction = nesterov ? direction.add(buffer.mul(momentum)) : buffer;
        }
        parameter.subi(direction.mul(lr));
    }
}
