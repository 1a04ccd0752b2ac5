package io.github.agentmemory.redis.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a class of the test classpath in a JVM of its own (to be killed with SIGKILL by
 * {@link Process#destroyForcibly()}) and collects the lines it prints.
 */
public final class ChildJvm {

	private ChildJvm() {
	}

	/**
	 * The command that runs a main class on this JVM's classpath.
	 * @param mainClass the main class
	 * @param jvmOptions options for the child JVM, such as {@code -Xmx256m}
	 * @return the command, to which the program's arguments can be added
	 */
	public static List<String> command(Class<?> mainClass, String... jvmOptions) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.addAll(List.of(jvmOptions));
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(mainClass.getName());
		return command;
	}

	/**
	 * Read a child's output, line by line, into a list, until the child is gone; meant to
	 * run on a thread of its own.
	 * @param output the child's output
	 * @param lines where the lines go
	 */
	public static void collectLines(InputStream output, List<String> lines) {
		try (BufferedReader in = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
			String line;
			while ((line = in.readLine()) != null) {
				lines.add(line);
			}
		}
		catch (IOException ex) {
			// the child is gone
		}
	}

}
