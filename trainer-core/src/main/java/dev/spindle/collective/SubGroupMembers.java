package dev.spindle.collective;

import java.util.Arrays;

/**
 * Checks the member list given to {@link Collectives#subGroup}, for every implementation alike.
 *
 * <pre>{@code
 * int viewRank = SubGroupMembers.rankOf(rank(), worldSize(), members);   // this caller's rank in the view
 * }</pre>
 */
public final class SubGroupMembers {

    private SubGroupMembers() {}

    /**
     * This caller's rank in the sub-group {@code members} of a group of {@code worldSize} ranks.
     *
     * @throws IllegalArgumentException naming the list and what is wrong with it
     */
    public static int rankOf(int rank, int worldSize, int... members) {
        if (members == null || members.length == 0) {
            throw new IllegalArgumentException("subGroup needs at least one member rank (this caller, rank " + rank
                    + "), got none");
        }
        boolean[] seen = new boolean[worldSize];
        int self = -1;
        for (int i = 0; i < members.length; i++) {
            int member = members[i];
            if (member < 0 || member >= worldSize) {
                throw new IllegalArgumentException("subGroup member " + member + " in " + Arrays.toString(members)
                        + " does not exist in a group of " + worldSize + " ranks (0.." + (worldSize - 1) + ")");
            }
            if (seen[member]) {
                throw new IllegalArgumentException("subGroup members " + Arrays.toString(members) + " list rank "
                        + member + " twice; list each rank once");
            }
            seen[member] = true;
            if (member == rank) {
                self = i;
            }
        }
        if (self < 0) {
            throw new IllegalArgumentException("subGroup members " + Arrays.toString(members) + " leave out the"
                    + " caller, rank " + rank + "; only members call subGroup");
        }
        return self;
    }
}
