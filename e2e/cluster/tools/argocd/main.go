// procos-argocd-lua runs ProcOS's Argo CD health checks and resource actions through Argo CD's own
// code (github.com/argoproj/argo-cd/v3, built from the Go module proxy), never a re-implementation:
//
//   - the Lua comes from the argocd-cm snippet users apply (gitops/argocd/argocd-cm-procos.yaml),
//     parsed by Argo CD's SettingsManager.GetResourceOverrides, as the application controller and
//     the API server read `resource.customizations.health.<group_kind>` / `.actions.<group_kind>`;
//   - health is evaluated by util/lua's VM (ExecuteHealthLua, the result Argo CD's own
//     health_test.yaml files assert on) and by gitops-engine's health.GetResourceHealth with the
//     overrides (what the application controller shows, e.g. "Pending deletion" first);
//   - actions run through VM.GetResourceActionDiscovery / ExecuteResourceAction, and the patch a
//     user's click sends is computed as the API server does (a JSON merge patch of live → result).
//
// Sub-commands (exit 0: all as expected, 1: a mismatch, 2: a usage or setup error):
//
//	test     -cm FILE DIR        every health_test.yaml and actions/action_test.yaml under DIR
//	                             (Argo CD's resource_customizations layout); one JSON line per case
//	health   -cm FILE OBJECT...  health of each object (YAML or JSON; a List counts item by item)
//	action   -cm FILE -action NAME [-param k=v]... OBJECT   the merge patch Argo CD's server sends
//	validate FILE...             strict decode of Application / ApplicationSet manifests
//	diff     -cm FILE -namespace NS MANIFESTS LIVE   Argo CD's client-side diff (the default, without
//	                             ServerSideApply/ServerSideDiff) of manifests against live objects
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/health"
	jsonpatch "github.com/evanphx/json-patch"
	log "github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"

	applicationpkg "github.com/argoproj/argo-cd/v3/pkg/apiclient/application"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	argodiff "github.com/argoproj/argo-cd/v3/util/argo/diff"
	"github.com/argoproj/argo-cd/v3/util/argo/normalizers"
	"github.com/argoproj/argo-cd/v3/util/lua"
	"github.com/argoproj/argo-cd/v3/util/settings"
)

const namespace = "argocd"

// timestampAnnotations hold the time an action ran; expected outputs carry a fixed value for them.
var timestampAnnotations = []string{"procos.io/restartedAt"}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	// Argo CD's settings manager logs its informers at info level; the output here is the results.
	log.SetLevel(log.WarnLevel)
	var err error
	var ok bool
	switch os.Args[1] {
	case "test":
		ok, err = runTests(os.Args[2:])
	case "health":
		ok, err = runHealth(os.Args[2:])
	case "action":
		ok, err = runAction(os.Args[2:])
	case "validate":
		ok, err = runValidate(os.Args[2:])
	case "diff":
		ok, err = runDiff(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "procos-argocd-lua:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: procos-argocd-lua test -cm FILE DIR
       procos-argocd-lua health -cm FILE OBJECT...
       procos-argocd-lua action -cm FILE -action NAME [-param name=value]... OBJECT
       procos-argocd-lua validate FILE...
       procos-argocd-lua diff -cm FILE -namespace NS MANIFESTS LIVE`)
	os.Exit(2)
}

// overridesFrom reads an argocd-cm manifest and returns the resource overrides Argo CD derives
// from it, through Argo CD's own SettingsManager over a fake clientset holding that ConfigMap.
func overridesFrom(path string) (map[string]v1alpha1.ResourceOverride, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(data, &cm); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cm.Name != "argocd-cm" {
		return nil, fmt.Errorf("%s: the ConfigMap is named %q; Argo CD reads argocd-cm", path, cm.Name)
	}
	if cm.Labels["app.kubernetes.io/part-of"] != "argocd" {
		return nil, fmt.Errorf("%s: Argo CD reads argocd-cm only with the label app.kubernetes.io/part-of: argocd", path)
	}
	cm.Namespace = namespace
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name: "argocd-secret", Namespace: namespace, Labels: map[string]string{"app.kubernetes.io/part-of": "argocd"},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mgr := settings.NewSettingsManager(ctx, fake.NewClientset(&cm, secret), namespace)
	return mgr.GetResourceOverrides()
}

func readObjects(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	u := &unstructured.Unstructured{Object: obj}
	if !u.IsList() {
		return []*unstructured.Unstructured{u}, nil
	}
	list, err := u.ToList()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]*unstructured.Unstructured, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

func readObject(path string) (*unstructured.Unstructured, error) {
	objs, err := readObjects(path)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%s: expected one object, found %d", path, len(objs))
	}
	return objs[0], nil
}

func emit(v any) {
	line, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))
}

// healthOf is what Argo CD computes for a live object: the Lua result (as its health_test.yaml
// files assert) and the application controller's view (gitops-engine's GetResourceHealth).
func healthOf(overrides map[string]v1alpha1.ResourceOverride, obj *unstructured.Unstructured) (lua *health.HealthStatus, app *health.HealthStatus, err error) {
	lua, err = luaHealth(overrides, obj)
	if err != nil {
		return nil, nil, err
	}
	app, err = health.GetResourceHealth(obj, luaOverrides(overrides))
	return lua, app, err
}

func luaOverrides(o map[string]v1alpha1.ResourceOverride) lua.ResourceHealthOverrides {
	return lua.ResourceHealthOverrides(o)
}

func luaHealth(overrides map[string]v1alpha1.ResourceOverride, obj *unstructured.Unstructured) (*health.HealthStatus, error) {
	vm := lua.VM{ResourceOverrides: overrides}
	script, useOpenLibs, err := vm.GetHealthScript(obj)
	if err != nil {
		return nil, err
	}
	if script == "" {
		return nil, fmt.Errorf("no health script for %s", lua.GetConfigMapKey(obj.GroupVersionKind()))
	}
	vm.UseOpenLibs = useOpenLibs
	return vm.ExecuteHealthLua(obj, script)
}

func runHealth(args []string) (bool, error) {
	fl := flag.NewFlagSet("health", flag.ExitOnError)
	cmPath := fl.String("cm", "", "argocd-cm manifest with the resource customizations")
	_ = fl.Parse(args)
	overrides, err := overridesFrom(*cmPath)
	if err != nil {
		return false, err
	}
	for _, path := range fl.Args() {
		objs, err := readObjects(path)
		if err != nil {
			return false, err
		}
		for _, obj := range objs {
			luaResult, app, err := healthOf(overrides, obj)
			if err != nil {
				return false, fmt.Errorf("%s %s/%s: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
			}
			emit(map[string]any{"kind": obj.GetKind(), "namespace": obj.GetNamespace(), "name": obj.GetName(), "lua": luaResult, "argocd": app})
		}
	}
	return true, nil
}

type healthTests struct {
	Tests []struct {
		InputPath    string              `json:"inputPath"`
		HealthStatus health.HealthStatus `json:"healthStatus"`
	} `json:"tests"`
}

type actionTests struct {
	DiscoveryTests []struct {
		InputPath string                    `json:"inputPath"`
		Result    []v1alpha1.ResourceAction `json:"result"`
	} `json:"discoveryTests"`
	ActionTests []struct {
		Action               string            `json:"action"`
		InputPath            string            `json:"inputPath"`
		ExpectedOutputPath   string            `json:"expectedOutputPath"`
		ExpectedErrorMessage string            `json:"expectedErrorMessage"`
		Parameters           map[string]string `json:"parameters"`
	} `json:"actionTests"`
}

// result is one test case's outcome, printed as one JSON line.
type result struct {
	Test     string `json:"test"`
	Key      string `json:"key"`
	Input    string `json:"input"`
	Action   string `json:"action,omitempty"`
	OK       bool   `json:"ok"`
	Expected any    `json:"expected,omitempty"`
	Actual   any    `json:"actual,omitempty"`
	// The application controller's view of the same object (health tests only).
	ArgoCD  *health.HealthStatus `json:"argocd,omitempty"`
	Problem string               `json:"problem,omitempty"`
}

func runTests(args []string) (bool, error) {
	fl := flag.NewFlagSet("test", flag.ExitOnError)
	cmPath := fl.String("cm", "", "argocd-cm manifest with the resource customizations")
	_ = fl.Parse(args)
	if fl.NArg() != 1 {
		usage()
	}
	root := fl.Arg(0)
	overrides, err := overridesFrom(*cmPath)
	if err != nil {
		return false, err
	}
	allOK := true
	seen := map[string]bool{}
	report := func(r result) {
		allOK = allOK && r.OK
		emit(r)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		dir := filepath.Dir(path)
		switch d.Name() {
		case "health.lua":
			key := filepath.ToSlash(must(filepath.Rel(root, dir)))
			seen[key] = true
			if err := sameScript(path, overrides[key].HealthLua, key, "health"); err != nil {
				return err
			}
			if _, err := os.Stat(filepath.Join(dir, "health_test.yaml")); err != nil {
				return fmt.Errorf("%s has no health_test.yaml beside it", path)
			}
		case "health_test.yaml":
			key := filepath.ToSlash(must(filepath.Rel(root, dir)))
			return healthTestFile(overrides, dir, key, report)
		case "action_test.yaml":
			key := filepath.ToSlash(must(filepath.Rel(root, filepath.Dir(dir))))
			return actionTestFile(overrides, dir, key, report)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if len(seen) == 0 {
		return false, fmt.Errorf("no health.lua under %s", root)
	}
	// Every customization the ConfigMap carries for a group under DIR must be one the files hold
	// (and so be tested); other groups' keys may share the ConfigMap.
	for key, o := range overrides {
		group, _, _ := strings.Cut(key, "/")
		if _, err := os.Stat(filepath.Join(root, group)); err != nil {
			continue
		}
		if o.HealthLua != "" && !seen[key] {
			return false, fmt.Errorf("the ConfigMap has a health check for %s that no health.lua under %s holds", key, root)
		}
	}
	return allOK, nil
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// sameScript fails unless the ConfigMap carries exactly the file's Lua: the tests run the
// ConfigMap's scripts, so they prove the files only when both are the same text.
func sameScript(path, fromConfigMap, key, what string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if fromConfigMap != string(data) {
		return fmt.Errorf("the ConfigMap's %s script for %s differs from %s: regenerate the ConfigMap", what, key, path)
	}
	return nil
}

func healthTestFile(overrides map[string]v1alpha1.ResourceOverride, dir, key string, report func(result)) error {
	var tests healthTests
	if err := readYAML(filepath.Join(dir, "health_test.yaml"), &tests); err != nil {
		return err
	}
	for _, t := range tests.Tests {
		r := result{Test: "health", Key: key, Input: t.InputPath, Expected: t.HealthStatus}
		obj, err := readObject(filepath.Join(dir, t.InputPath))
		if err != nil {
			return err
		}
		if got := lua.GetConfigMapKey(obj.GroupVersionKind()); got != key {
			return fmt.Errorf("%s/%s is a %s, not a %s", dir, t.InputPath, got, key)
		}
		luaResult, app, err := healthOf(overrides, obj)
		if err != nil {
			r.Problem = err.Error()
		} else {
			r.Actual, r.ArgoCD = luaResult, app
			r.OK = *luaResult == t.HealthStatus
		}
		report(r)
	}
	return nil
}

func actionTestFile(overrides map[string]v1alpha1.ResourceOverride, dir, key string, report func(result)) error {
	override := overrides[key]
	if override.Actions == "" {
		return fmt.Errorf("%s/action_test.yaml: the ConfigMap has no actions for %s", dir, key)
	}
	actions, err := override.GetActions()
	if err != nil {
		return err
	}
	if err := sameScript(filepath.Join(dir, "discovery.lua"), actions.ActionDiscoveryLua, key, "action discovery"); err != nil {
		return err
	}
	for _, def := range actions.Definitions {
		if err := sameScript(filepath.Join(dir, def.Name, "action.lua"), def.ActionLua, key, "action "+def.Name); err != nil {
			return err
		}
	}
	var tests actionTests
	if err := readYAML(filepath.Join(dir, "action_test.yaml"), &tests); err != nil {
		return err
	}
	vm := lua.VM{ResourceOverrides: overrides}
	for _, t := range tests.DiscoveryTests {
		r := result{Test: "discovery", Key: key, Input: t.InputPath, Expected: t.Result}
		obj, err := readObject(filepath.Join(dir, t.InputPath))
		if err != nil {
			return err
		}
		scripts, err := vm.GetResourceActionDiscovery(obj)
		if err == nil {
			var found []v1alpha1.ResourceAction
			found, err = vm.ExecuteResourceActionDiscovery(obj, scripts)
			sortActions(found)
			r.Actual = found
			// Stricter than Argo CD's own test (each found action among the expected): the same set.
			expected := slices.Clone(t.Result)
			sortActions(expected)
			r.OK = err == nil && equalJSON(found, expected)
		}
		if err != nil {
			r.Problem = err.Error()
		}
		report(r)
	}
	for _, t := range tests.ActionTests {
		r := result{Test: "action", Key: key, Input: t.InputPath, Action: t.Action}
		obj, err := readObject(filepath.Join(dir, t.InputPath))
		if err != nil {
			return err
		}
		impacted, err := runActionOn(vm, obj, t.Action, t.Parameters)
		if t.ExpectedErrorMessage != "" {
			r.Expected = map[string]string{"error": t.ExpectedErrorMessage}
			if err == nil {
				r.Problem = "the action succeeded; an error was expected"
			} else {
				r.Actual = map[string]string{"error": err.Error()}
				r.OK = err.Error() == t.ExpectedErrorMessage
			}
			report(r)
			continue
		}
		if err != nil {
			r.Problem = err.Error()
			report(r)
			continue
		}
		expected, err := readObject(filepath.Join(dir, t.ExpectedOutputPath))
		if err != nil {
			return err
		}
		r.Expected = expected.Object
		r.OK, r.Problem = compareActionResult(obj, expected, impacted)
		if len(impacted) == 1 {
			r.Actual = impacted[0].UnstructuredObj.Object
		}
		report(r)
	}
	return nil
}

func runActionOn(vm lua.VM, obj *unstructured.Unstructured, name string, params map[string]string) ([]lua.ImpactedResource, error) {
	action, err := vm.GetResourceAction(obj, name)
	if err != nil {
		return nil, err
	}
	var parameters []*applicationpkg.ResourceActionParameters
	for k, v := range params {
		parameters = append(parameters, &applicationpkg.ResourceActionParameters{Name: &k, Value: &v})
	}
	return vm.ExecuteResourceAction(obj, action.ActionLua, parameters)
}

// compareActionResult: one patch of the source object, equal to the expected output once the
// action's timestamp annotations are set to the expected ones (they must be present, though).
func compareActionResult(source, expected *unstructured.Unstructured, impacted []lua.ImpactedResource) (bool, string) {
	if len(impacted) != 1 {
		return false, fmt.Sprintf("the action returned %d resources; one patch of the source was expected", len(impacted))
	}
	got := impacted[0]
	if got.K8SOperation != lua.PatchOperation {
		return false, fmt.Sprintf("the action's operation is %q, not patch", got.K8SOperation)
	}
	result := got.UnstructuredObj
	if result.GroupVersionKind() != source.GroupVersionKind() || result.GetName() != source.GetName() || result.GetNamespace() != source.GetNamespace() {
		return false, "the action patches another object than its source"
	}
	annotations := result.GetAnnotations()
	for _, a := range timestampAnnotations {
		want, wanted := expected.GetAnnotations()[a]
		if _, has := annotations[a]; has != wanted {
			return false, fmt.Sprintf("annotation %s: present %v, expected present %v", a, has, wanted)
		}
		if wanted {
			annotations[a] = want
		}
	}
	if len(annotations) > 0 {
		result.SetAnnotations(annotations)
	} else {
		// An emptied annotations map and none at all are the same to the apiserver.
		unstructured.RemoveNestedField(result.Object, "metadata", "annotations")
	}
	// Stricter than Argo CD's own action tests (gitops-engine's diff ignores fields the expected
	// output lacks): the whole object, compared as JSON (Lua numbers come back as float64).
	if !equalJSONValue(expected.Object, result.Object) {
		got, _ := json.MarshalIndent(result.Object, "", "  ")
		return false, "the result differs from the expected output; the result:\n" + string(got)
	}
	return true, ""
}

// equalJSONValue compares two JSON-shaped values after a JSON round trip each (int64 vs float64).
func equalJSONValue(a, b any) bool {
	var x, y any
	if !roundTrip(a, &x) || !roundTrip(b, &y) {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func roundTrip(v any, into *any) bool {
	data, err := json.Marshal(v)
	return err == nil && json.Unmarshal(data, into) == nil
}

func runAction(args []string) (bool, error) {
	fl := flag.NewFlagSet("action", flag.ExitOnError)
	cmPath := fl.String("cm", "", "argocd-cm manifest with the resource customizations")
	name := fl.String("action", "", "the action to run")
	params := map[string]string{}
	fl.Func("param", "name=value, an action parameter (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return errors.New("want name=value")
		}
		params[k] = v
		return nil
	})
	_ = fl.Parse(args)
	if fl.NArg() != 1 || *name == "" {
		usage()
	}
	overrides, err := overridesFrom(*cmPath)
	if err != nil {
		return false, err
	}
	live, err := readObject(fl.Arg(0))
	if err != nil {
		return false, err
	}
	vm := lua.VM{ResourceOverrides: overrides}
	scripts, err := vm.GetResourceActionDiscovery(live)
	if err != nil {
		return false, err
	}
	available, err := vm.ExecuteResourceActionDiscovery(live, scripts)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(available, func(a v1alpha1.ResourceAction) bool { return a.Name == *name })
	if i < 0 || available[i].Disabled {
		return false, fmt.Errorf("action %q is not available on this object (the UI would not offer it)", *name)
	}
	impacted, err := runActionOn(vm, live, *name, params)
	if err != nil {
		return false, err
	}
	// As Argo CD's API server patches (server/application: patchResource).
	for _, res := range impacted {
		if res.K8SOperation != lua.PatchOperation {
			return false, fmt.Errorf("the action wants to %s a resource; only patch is expected", res.K8SOperation)
		}
		liveBytes, err := json.Marshal(live)
		if err != nil {
			return false, err
		}
		newBytes, err := json.Marshal(res.UnstructuredObj)
		if err != nil {
			return false, err
		}
		patch, err := jsonpatch.CreateMergePatch(liveBytes, newBytes)
		if err != nil {
			return false, err
		}
		fmt.Println(string(patch))
	}
	return true, nil
}

func runValidate(args []string) (bool, error) {
	if len(args) == 0 {
		usage()
	}
	for _, path := range args {
		data, err := os.ReadFile(path)
		if err != nil {
			return false, err
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var meta metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				return false, fmt.Errorf("%s document %d: %w", path, i+1, err)
			}
			var target any
			switch meta.Kind {
			case "Application":
				target = &v1alpha1.Application{}
			case "ApplicationSet":
				target = &v1alpha1.ApplicationSet{}
			default:
				return false, fmt.Errorf("%s document %d: kind %q is neither Application nor ApplicationSet", path, i+1, meta.Kind)
			}
			if meta.APIVersion != "argoproj.io/v1alpha1" {
				return false, fmt.Errorf("%s document %d: apiVersion %q, want argoproj.io/v1alpha1", path, i+1, meta.APIVersion)
			}
			if err := yaml.UnmarshalStrict(doc, target); err != nil {
				emit(map[string]any{"file": path, "document": i + 1, "kind": meta.Kind, "ok": false, "problem": err.Error()})
				return false, nil
			}
			emit(map[string]any{"file": path, "document": i + 1, "kind": meta.Kind, "ok": true})
		}
	}
	return true, nil
}

func readYAML(path string, into any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func sortActions(a []v1alpha1.ResourceAction) {
	sort.Slice(a, func(i, j int) bool { return a[i].Name < a[j].Name })
}

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// runDiff is the application controller's client-side comparison (util/argo/diff.StateDiffs,
// three-way against the last-applied annotation when there is one) of each manifest in
// MANIFESTS (YAML documents, put in namespace NS as Argo CD does for its destination) with the
// object of the same kind and name in LIVE (a kubectl List); one JSON line per manifest.
func runDiff(args []string) (bool, error) {
	fl := flag.NewFlagSet("diff", flag.ExitOnError)
	cmPath := fl.String("cm", "", "argocd-cm manifest with the resource customizations")
	ns := fl.String("namespace", "", "the Application's destination namespace")
	_ = fl.Parse(args)
	if fl.NArg() != 2 || *ns == "" {
		usage()
	}
	overrides, err := overridesFrom(*cmPath)
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(fl.Arg(0))
	if err != nil {
		return false, err
	}
	lives, err := readObjects(fl.Arg(1))
	if err != nil {
		return false, err
	}
	config, err := argodiff.NewDiffConfigBuilder().
		WithDiffSettings([]v1alpha1.ResourceIgnoreDifferences{}, overrides, false, normalizers.IgnoreNormalizerOpts{}).
		WithTracking("app.kubernetes.io/instance", "annotation").
		WithNoCache().
		Build()
	if err != nil {
		return false, err
	}
	inSync := true
	for _, doc := range bytes.Split(data, []byte("\n---")) {
		m := map[string]any{}
		if err := yaml.Unmarshal(doc, &m); err != nil {
			return false, err
		}
		if len(m) == 0 {
			continue
		}
		target := &unstructured.Unstructured{Object: m}
		target.SetNamespace(*ns)
		i := slices.IndexFunc(lives, func(l *unstructured.Unstructured) bool {
			return l.GetKind() == target.GetKind() && l.GetName() == target.GetName() && l.GetNamespace() == *ns
		})
		if i < 0 {
			return false, fmt.Errorf("no live %s %s/%s", target.GetKind(), *ns, target.GetName())
		}
		res, err := argodiff.StateDiff(context.Background(), lives[i], target, config)
		if err != nil {
			return false, err
		}
		line := map[string]any{"kind": target.GetKind(), "name": target.GetName(), "modified": res.Modified}
		if res.Modified {
			inSync = false
			line["live"] = string(res.NormalizedLive)
			line["predictedLive"] = string(res.PredictedLive)
		}
		emit(line)
	}
	return inSync, nil
}
