package io.github.agentmemory.redis.autoconfigure;

import org.springframework.lang.Nullable;

/**
 * An {@code agent-memory.redis.*} setting has a value the starter cannot work with. It
 * names the property, the value and the rule it breaks, for example
 * {@code agent-memory.redis.recovery.capacity must be at least 1, was 0}, and is reported
 * at startup as an "APPLICATION FAILED TO START" failure analysis.
 *
 * @author agent-memory-redis
 */
public class InvalidAgentMemoryRedisPropertyException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String name;

	@Nullable
	private final transient Object value;

	private final String rule;

	/**
	 * Create an exception whose message reads {@code <name> <rule>, was <value>}.
	 * @param name the full property name
	 * @param value the bound value
	 * @param rule what the value must be, for example {@code must be at least 1}
	 */
	public InvalidAgentMemoryRedisPropertyException(String name, @Nullable Object value, String rule) {
		this(name, value, rule, name + " " + rule + ", was " + value);
	}

	/**
	 * Create an exception with a message of its own, for a rule that involves another
	 * property.
	 * @param name the full property name
	 * @param value the bound value
	 * @param rule what the value must be
	 * @param message the message
	 */
	public InvalidAgentMemoryRedisPropertyException(String name, @Nullable Object value, String rule,
			String message) {
		super(message);
		this.name = name;
		this.value = value;
		this.rule = rule;
	}

	/**
	 * The full name of the property, for example
	 * {@code agent-memory.redis.recovery.capacity}.
	 * @return the name
	 */
	public String getName() {
		return this.name;
	}

	/**
	 * The value the property was bound to.
	 * @return the value, {@code null} if none
	 */
	@Nullable
	public Object getValue() {
		return this.value;
	}

	/**
	 * The rule the value breaks, for example {@code must be at least 1}.
	 * @return the rule
	 */
	public String getRule() {
		return this.rule;
	}

}
