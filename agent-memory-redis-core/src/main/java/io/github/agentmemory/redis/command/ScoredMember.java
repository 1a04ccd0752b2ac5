package io.github.agentmemory.redis.command;

import org.springframework.util.Assert;

/**
 * A sorted-set member with its score, as returned by the {@code WITHSCORES} variants.
 *
 * @param member the member
 * @param score its score
 * @author agent-memory-redis
 */
public record ScoredMember(String member, double score) {

	/**
	 * Create a scored member.
	 * @param member the member, not null
	 * @param score its score
	 */
	public ScoredMember {
		Assert.notNull(member, "'member' must not be null");
	}

}
