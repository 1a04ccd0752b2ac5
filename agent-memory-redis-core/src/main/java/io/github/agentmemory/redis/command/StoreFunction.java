package io.github.agentmemory.redis.command;

import java.util.List;
import java.util.Map;

import org.springframework.util.Assert;

/**
 * Turns an agent's state into the writes that store it: the spec's {@code store_func},
 * returning data instead of performing the writes, so that the template can order,
 * retry, queue and replay them.
 *
 * @author agent-memory-redis
 */
@FunctionalInterface
public interface StoreFunction {

	/** Placeholder for the agent id in a key pattern. */
	String ID_PLACEHOLDER = "{id}";

	/** Default key pattern of {@link #hash(String)}. */
	String DEFAULT_KEY_PATTERN = "agent:{id}:state";

	/**
	 * The writes that store the state.
	 * @param agentId the agent
	 * @param state its state
	 * @return the writes, at least one
	 */
	List<RedisWrite> writes(String agentId, Map<String, String> state);

	/**
	 * Store the state as one hash ({@code HSET}) under a key made from a pattern.
	 * @param keyPattern the key, with {@code {id}} standing for the agent id, for
	 * example {@code agent:{id}:state}
	 * @return the store function
	 */
	static StoreFunction hash(String keyPattern) {
		Assert.hasText(keyPattern, "'keyPattern' must not be empty");
		Assert.isTrue(keyPattern.contains(ID_PLACEHOLDER), () -> "'keyPattern' must contain " + ID_PLACEHOLDER);
		return (agentId, state) -> List
			.of(RedisWrite.hset(keyPattern.replace(ID_PLACEHOLDER, Arguments.text(agentId, "agentId")), state));
	}

}
