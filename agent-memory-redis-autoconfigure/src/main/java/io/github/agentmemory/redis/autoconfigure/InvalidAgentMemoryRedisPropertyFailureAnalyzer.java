package io.github.agentmemory.redis.autoconfigure;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;
import org.springframework.lang.Nullable;

/**
 * Reports an {@link InvalidAgentMemoryRedisPropertyException} as Boot reports a binding
 * failure: the property, the value as written, where it was set, and the rule it
 * breaks.
 *
 * @author agent-memory-redis
 */
class InvalidAgentMemoryRedisPropertyFailureAnalyzer
		extends AbstractFailureAnalyzer<InvalidAgentMemoryRedisPropertyException> {

	@Nullable
	private final Environment environment;

	InvalidAgentMemoryRedisPropertyFailureAnalyzer(@Nullable Environment environment) {
		this.environment = environment;
	}

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidAgentMemoryRedisPropertyException cause) {
		ConfigurationProperty property = findProperty(cause.getName());
		Object value = (property != null) ? property.getValue() : cause.getValue();
		StringBuilder description = new StringBuilder();
		description.append(String.format("Invalid value for configuration property '%s':%n%n", cause.getName()));
		description.append(String.format("    Property: %s%n", cause.getName()));
		description.append(String.format("    Value: \"%s\"%n", value));
		if (property != null && property.getOrigin() != null) {
			description.append(String.format("    Origin: %s%n", property.getOrigin()));
		}
		description.append(String.format("    Reason: %s%n", cause.getRule()));
		String action = String.format("Update your application's configuration: change %s (it %s), or remove it "
				+ "to use the starter's default.", cause.getName(), cause.getRule());
		return new FailureAnalysis(description.toString(), action, cause);
	}

	@Nullable
	private ConfigurationProperty findProperty(String name) {
		if (this.environment == null || !ConfigurationPropertyName.isValid(name)) {
			return null;
		}
		ConfigurationPropertyName propertyName = ConfigurationPropertyName.of(name);
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(this.environment)) {
			ConfigurationProperty property = source.getConfigurationProperty(propertyName);
			if (property != null) {
				return property;
			}
		}
		return null;
	}

}
