using System.Diagnostics;
using System.Globalization;
using TcpDoctor.KernelTests.Infrastructure;
using TcpDoctor.KernelTests.Lab;

namespace TcpDoctor.KernelTests.Checking;

/// <summary>
/// <c>tcpdoctor check</c> run by a real Nagios core (Debian's <c>nagios4</c>, installed by .ci/run), with a
/// configuration of this test's own in a temporary directory: three services on lab scenarios, and the state
/// the core recorded in its status file is read back. The core is stopped with SIGTERM by its pid.
/// </summary>
public sealed class NagiosCoreTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly string _dir = Directory.CreateTempSubdirectory("tcpdoctor-nagios-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_nagios_core_records_critical_ok_and_unknown_from_the_plugin()
    {
        Requirements.RequireRoot();
        var nagios = Requirements.Tool("nagios4-core", "/usr/sbin/nagios4", "/usr/sbin/nagios");
        await using var leak = await LabRun.StartAsync("close-wait-leak", $"tdk-nagios-leak-{Environment.ProcessId}");
        await using var healthy = await LabRun.StartAsync("healthy", $"tdk-nagios-ok-{Environment.ProcessId}");
        var php = leak.PidOf("php-fpm");

        var config = WriteConfig(
            ("leak", $"{leak.Name}!-c close-wait-leak=30"),
            ("healthy", healthy.Name),
            ("hung", $"{healthy.Name}!--timeout 1ms --sample 0"));
        Assert.Equal(0, CommandRunner.RunWithStatus(nagios, ["-v", config], TimeSpan.FromSeconds(30)).ExitCode);

        using var core = Process.Start(new ProcessStartInfo(nagios, config) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        _ = core.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = core.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        Dictionary<string, Dictionary<string, string>> services;
        try
        {
            services = WaitForChecks(["leak", "healthy", "hung"]);
        }
        finally
        {
            Stop(core);
        }

        var critical = services["leak"];
        Assert.Equal("2", critical["current_state"]);
        Assert.StartsWith($"TCPDOCTOR CRITICAL - 1 critical: close-wait-leak: php-fpm (pid {php}) leaks connections: ", critical["plugin_output"], StringComparison.Ordinal);
        Assert.StartsWith("CRITICAL close-wait-leak: php-fpm (pid ", critical["long_plugin_output"], StringComparison.Ordinal);
        var perf = Perfdata.Parse("TCPDOCTOR CRITICAL - x | " + critical["performance_data"]);
        Assert.True(perf.Data["close_wait"].Value >= 40, critical["performance_data"]);
        Assert.Equal("30", perf.Data["close-wait-leak php-fpm :9000 127.0.0.1"].Crit);

        var ok = services["healthy"];
        Assert.Equal("0", ok["current_state"]);
        Assert.StartsWith("TCPDOCTOR OK - ", ok["plugin_output"], StringComparison.Ordinal);

        var unknown = services["hung"];
        Assert.Equal("3", unknown["current_state"]);
        Assert.Equal("TCPDOCTOR UNKNOWN - no answer within --timeout 1ms: reading the kernel's TCP state took longer", unknown["plugin_output"]);
    }

    private string WriteConfig(params (string Service, string Args)[] services)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "checkresults"));
        File.WriteAllText(Path.Combine(_dir, "resource.cfg"), "");
        var cfg = Path.Combine(_dir, "nagios.cfg");
        File.WriteAllText(cfg, $"""
            log_file={_dir}/nagios.log
            cfg_file={_dir}/objects.cfg
            object_cache_file={_dir}/objects.cache
            precached_object_file={_dir}/objects.precache
            resource_file={_dir}/resource.cfg
            status_file={_dir}/status.dat
            status_update_interval=1
            nagios_user=root
            nagios_group=root
            check_external_commands=0
            lock_file={_dir}/nagios.lock
            temp_file={_dir}/nagios.tmp
            temp_path={_dir}
            check_result_path={_dir}/checkresults
            check_result_reaper_frequency=1
            interval_length=1
            retain_state_information=0
            enable_notifications=0
            enable_event_handlers=0
            enable_flap_detection=0
            use_syslog=0
            max_service_check_spread=1
            max_host_check_spread=1
            service_inter_check_delay_method=n
            host_inter_check_delay_method=n
            check_for_orphaned_services=0
            illegal_macro_output_chars=`~$&|'"<>

            """);
        var always = string.Join("\n", new[] { "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday" }.Select(d => $"  {d} 00:00-24:00"));
        var objects = $$"""
            define command {
              command_name check_tcpdoctor
              command_line /usr/bin/env dotnet {{Cli.DllPath}} check --netns $ARG1$ $ARG2$
            }
            define command {
              command_name check_none
              command_line /bin/true
            }
            define timeperiod {
              timeperiod_name always
              alias always
            {{always}}
            }
            define contact {
              contact_name nobody
              host_notifications_enabled 0
              service_notifications_enabled 0
              host_notification_period always
              service_notification_period always
              host_notification_options n
              service_notification_options n
              host_notification_commands check_none
              service_notification_commands check_none
            }
            define host {
              host_name lab
              address 127.0.0.1
              check_command check_none
              max_check_attempts 1
              check_period always
              notification_period always
              contacts nobody
            }

            """;
        foreach (var (service, args) in services)
        {
            objects += $$"""
                define service {
                  host_name lab
                  service_description {{service}}
                  check_command check_tcpdoctor!{{args}}
                  max_check_attempts 1
                  check_interval 300
                  retry_interval 300
                  check_period always
                  notification_period always
                  contacts nobody
                }

                """;
        }

        File.WriteAllText(Path.Combine(_dir, "objects.cfg"), objects);
        return cfg;
    }

    /// <summary>The status file's servicestatus blocks, once every service in <paramref name="names"/> has been checked.</summary>
    private Dictionary<string, Dictionary<string, string>> WaitForChecks(string[] names)
    {
        var clock = Stopwatch.StartNew();
        var status = Path.Combine(_dir, "status.dat");
        while (true)
        {
            var services = File.Exists(status) ? ServiceStatus(File.ReadAllText(status)) : [];
            if (names.All(n => services.TryGetValue(n, out var s) && s.GetValueOrDefault("has_been_checked") == "1"))
            {
                return services;
            }

            if (clock.Elapsed > Deadline)
            {
                var log = File.Exists(Path.Combine(_dir, "nagios.log")) ? File.ReadAllText(Path.Combine(_dir, "nagios.log")) : "(no log)";
                throw new TimeoutException($"the core did not check every service within {Deadline.TotalSeconds} s:\n{log}");
            }

            Thread.Sleep(200);
        }
    }

    private static Dictionary<string, Dictionary<string, string>> ServiceStatus(string text)
    {
        var services = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? block = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line == "servicestatus {")
            {
                block = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            else if (line == "}" && block is not null)
            {
                services[block["service_description"]] = block;
                block = null;
            }
            else if (block is not null && line.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq)
            {
                block[line[..eq]] = line[(eq + 1)..];
            }
        }

        return services;
    }

    private static void Stop(Process core)
    {
        if (!core.HasExited)
        {
            CommandRunner.Run("kill", ["-TERM", core.Id.ToString(CultureInfo.InvariantCulture)]);
            if (!core.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                core.Kill();
            }
        }

        core.WaitForExit();
    }
}
