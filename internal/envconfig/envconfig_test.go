package envconfig_test

import (
	"strings"
	"testing"
	"time"

	"github.com/xdna-worker/xdna-worker/internal/envconfig"
)

type config struct {
	Addr    string        `env:"ADDR" envDefault:":8000"`
	Timeout time.Duration `env:"TIMEOUT" envDefault:"10s"`
	Workers int           `env:"WORKERS" envDefault:"2"`
	Secret  string        `env:"SECRET,required"`
}

func TestParse(t *testing.T) {
	cfg, errs := envconfig.Parse[config](map[string]string{"SECRET": "s", "WORKERS": "3"})
	if len(errs) != 0 || cfg.Addr != ":8000" || cfg.Timeout != 10*time.Second || cfg.Workers != 3 || cfg.Secret != "s" {
		t.Fatalf("%+v %v", cfg, errs)
	}
}

// Every bad field is its own error, and the good ones are set.
func TestParseReportsEveryField(t *testing.T) {
	cfg, errs := envconfig.Parse[config](map[string]string{"TIMEOUT": "soon", "WORKERS": "many", "ADDR": ":9"})
	if len(errs) != 3 || cfg.Addr != ":9" {
		t.Fatalf("%+v: %d errors %v; want 3 (TIMEOUT, WORKERS, SECRET) and ADDR set", cfg, len(errs), errs)
	}
	all := ""
	for _, e := range errs {
		all += e.Error() + "\n"
	}
	// caarlos0/env names the field of a value it cannot parse, and the
	// variable that is required.
	for _, name := range []string{"Timeout", "Workers", "SECRET"} {
		if !strings.Contains(all, name) {
			t.Errorf("no %s in %s", name, all)
		}
	}
}

// nil reads the process's environment.
func TestParseProcessEnvironment(t *testing.T) {
	t.Setenv("SECRET", "from-env")
	cfg, errs := envconfig.Parse[config](nil)
	if len(errs) != 0 || cfg.Secret != "from-env" {
		t.Fatalf("%+v %v", cfg, errs)
	}
}
