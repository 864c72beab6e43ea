package worker

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/xdna-worker/xdna-worker/job"
)

// ModelSpec is one model a worker serves: the name jobs pick it by (a
// job's "model") and its whisper.cpp ggml file.
type ModelSpec struct {
	Name string // empty for WHISPER_MODEL: the model's own name (its file's)
	Path string
}

// modelNamePattern is the grammar of a name in WHISPER_MODELS.
var modelNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ParseModels reads WHISPER_MODELS, "name=path,name2=path2" (blanks
// around items are ignored), and reports every problem at once: an item
// without '=' or a path, a name outside [A-Za-z0-9._-]{1,64}, a name given
// twice. The first model listed is the default.
func ParseModels(s string) ([]ModelSpec, error) {
	var specs []ModelSpec
	var errs []error
	seen := map[string]bool{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, path, ok := strings.Cut(item, "=")
		name, path = strings.TrimSpace(name), strings.TrimSpace(path)
		switch {
		case !ok || path == "":
			errs = append(errs, fmt.Errorf("WHISPER_MODELS item %d %q is not name=path", i+1, item))
		case !modelNamePattern.MatchString(name):
			errs = append(errs, fmt.Errorf("WHISPER_MODELS item %d: model name %.80q is not 1-%d characters of [A-Za-z0-9._-]", i+1, name, job.MaxModelBytes))
		case seen[name]:
			errs = append(errs, fmt.Errorf("WHISPER_MODELS item %d: model name %q is given twice", i+1, name))
		default:
			seen[name] = true
			specs = append(specs, ModelSpec{Name: name, Path: path})
		}
	}
	if len(specs) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("WHISPER_MODELS lists no model"))
	}
	return specs, errors.Join(errs...)
}

// Models returns the models the worker serves, the default first:
// WHISPER_MODELS, or WHISPER_MODEL as a single model named after its file,
// or none (the sim device).
func (c *Config) Models() []ModelSpec {
	if strings.TrimSpace(c.WhisperModels) != "" {
		specs, _ := ParseModels(c.WhisperModels) // validated by LoadConfig
		return specs
	}
	if c.WhisperModel != "" {
		return []ModelSpec{{Path: c.WhisperModel}}
	}
	return nil
}

// validateModels checks WHISPER_MODEL and WHISPER_MODELS.
func (c *Config) validateModels() []error {
	if c.WhisperModels == "" {
		return nil
	}
	if c.WhisperModel != "" {
		return []error{errors.New("WHISPER_MODEL and WHISPER_MODELS cannot both be set: WHISPER_MODEL=path is the one-model form of WHISPER_MODELS=name=path,...")}
	}
	if _, err := ParseModels(c.WhisperModels); err != nil {
		return []error{err}
	}
	return nil
}
