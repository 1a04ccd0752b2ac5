package io.github.agentmemory.redis.security;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingSystem;

/**
 * Turns the loggers of Lettuce, Spring Data Redis and the library to {@code DEBUG} for
 * each test (and back afterwards), so that a captured output holds what an operator who
 * switches on debug logging would see. ({@code TRACE} on {@code io.lettuce.core.protocol}
 * dumps the bytes sent to Redis, {@code AUTH} included: never use it in production.)
 */
final class DebugLogging implements BeforeEachCallback, AfterEachCallback {

	private static final List<String> LOGGERS = List.of("io.lettuce.core", "io.lettuce.core.protocol",
			"org.springframework.data.redis", "io.github.agentmemory");

	private final Map<String, LogLevel> configured = new HashMap<>();

	@Override
	public void beforeEach(ExtensionContext context) {
		LoggingSystem system = loggingSystem();
		for (String logger : LOGGERS) {
			LoggerConfiguration configuration = system.getLoggerConfiguration(logger);
			this.configured.put(logger, (configuration != null) ? configuration.getConfiguredLevel() : null);
			system.setLogLevel(logger, LogLevel.DEBUG);
		}
	}

	@Override
	public void afterEach(ExtensionContext context) {
		LoggingSystem system = loggingSystem();
		this.configured.forEach(system::setLogLevel);
		this.configured.clear();
	}

	private static LoggingSystem loggingSystem() {
		return LoggingSystem.get(DebugLogging.class.getClassLoader());
	}

}
