package graph

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"coalitiongraph/graph/model"
	"coalitiongraph/internal/content"
	"coalitiongraph/internal/loader"
	"coalitiongraph/internal/relay"

	"github.com/99designs/gqlgen/graphql"
)

// The mutations, written once for the five editable types: they decode the arguments, convert an input into an
// item or an update, and call the store's write gate, which authorises, validates, checks the version and records
// the write. What is left here is naming: the store's errors name the domain's fields (partnerIds.2), a client's
// input has its own names (input.partners.2).

// editing is one editable content type as the mutations see it.
type editing[T any, F any, O any] struct {
	t     content.TypeName
	store func(content.Store) content.Content[T, F, O]
	// paths names the fields the store's errors name in the type's create and update input.
	paths paths
}

var (
	coalitionEditing = editing[content.Coalition, content.CoalitionFilter, *content.CoalitionOrder]{
		content.TypeCoalition, content.Store.Coalitions, inputField(map[string]string{"countryCode": "country"})}
	stakeholderEditing = editing[content.Stakeholder, content.StakeholderFilter, *content.StakeholderOrder]{
		content.TypeStakeholder, content.Store.Stakeholders, inputField(map[string]string{"countryCode": "country"})}
	initiativeEditing = editing[content.Initiative, content.InitiativeFilter, *content.InitiativeOrder]{
		content.TypeInitiative, content.Store.Initiatives,
		inputField(map[string]string{"countryCodes": "countries", "partnerIds": "partners", "coalitionIds": "coalitions"})}
	toolkitEditing = editing[content.ToolkitSection, content.ToolkitSectionFilter, *content.ToolkitSectionOrder]{
		content.TypeToolkitSection, content.Store.ToolkitSections, inputField(map[string]string{"parentId": "parent"})}
	blogPostEditing = editing[content.BlogPost, content.BlogPostFilter, *content.BlogPostOrder]{
		content.TypeBlogPost, content.Store.BlogPosts,
		inputField(map[string]string{"authorIds": "authors", "publisherId": "publisher", "mentionKeys": "mentions"})}
)

// create stores item as a new item. When the input had fields that could not be converted (conv.bad), nothing is
// stored, and the item's other bad fields are reported with them, so that a client learns of every bad field at
// once.
func (e editing[T, F, O]) create(ctx context.Context, s content.Store, conv *conversion, item *T) (*T, error) {
	if len(conv.bad) > 0 {
		return nil, conv.report(ctx, validate(item), e.paths)
	}
	v, err := e.store(s).Create(ctx, item)
	return v, fail(ctx, err, e.paths)
}

// update applies an update to the item with the global id, made against version. As create, it reports the
// fields that could not be converted with the other bad fields of the update applied to the current item.
func (e editing[T, F, O]) update(ctx context.Context, s content.Store, id string, version int, conv *conversion, apply func(*T), empty bool) (*T, error) {
	local := conv.id("id", id, e.t)
	if len(conv.bad) > 0 {
		var problems error
		if local != "" {
			if cur, err := e.store(s).Get(ctx, []string{local}); err == nil && cur[local] != nil {
				item := *cur[local]
				apply(&item)
				problems = validate(&item)
			}
		}
		return nil, conv.report(ctx, problems, e.paths)
	}
	if empty {
		return nil, content.Errorf(content.EInvalid, "input", "give at least one field to change")
	}
	v, err := e.store(s).Update(ctx, local, version, apply)
	return v, fail(ctx, err, e.paths)
}

// remove deletes the item with the global id from both stages.
func (e editing[T, F, O]) remove(ctx context.Context, s content.Store, id string, version int, detach *bool) (*model.DeletePayload, error) {
	_, local, err := content.ParseGlobalID("id", id, e.t)
	if err != nil {
		return nil, err
	}
	if err := e.store(s).Delete(ctx, local, version, detach != nil && *detach); err != nil {
		return nil, fail(ctx, err, argument)
	}
	return &model.DeletePayload{DeletedID: content.GlobalID(content.KeyOf(e.t, local))}, nil
}

// stage changes the stage of the item with the global id, made against version: op is OpPublish, OpUnpublish or
// OpArchive.
func (e editing[T, F, O]) stage(ctx context.Context, s content.Store, id string, version int, op content.Operation) (*T, error) {
	_, local, err := content.ParseGlobalID("id", id, e.t)
	if err != nil {
		return nil, err
	}
	ed := e.store(s)
	var v *T
	switch op {
	case content.OpPublish:
		v, err = ed.Publish(ctx, local, version)
	case content.OpUnpublish:
		v, err = ed.Unpublish(ctx, local, version)
	case content.OpArchive:
		v, err = ed.Archive(ctx, local, version)
	}
	return v, fail(ctx, err, argument)
}

// restore writes the item with the global id back as it was at the history's version revision.
func (e editing[T, F, O]) restore(ctx context.Context, s content.Store, id string, revision, version int) (*T, error) {
	_, local, err := content.ParseGlobalID("id", id, e.t)
	if err != nil {
		return nil, err
	}
	v, err := e.store(s).Restore(ctx, local, revision, version)
	return v, fail(ctx, err, argument)
}

// history answers a content type's history field: one page of the item's versions, newest first.
func history[T any](ctx context.Context, ed content.Editor[T], id string, version int, first *int, after *string) (*model.RevisionConnection, error) {
	w, err := relay.ParseWindow(first, nil, after, nil)
	if err != nil {
		return nil, err
	}
	p, err := ed.History(ctx, id, w)
	if err != nil {
		return nil, err
	}
	total := p.Total
	if total < 0 {
		total = version // every write keeps a version, so the history holds versions 1 to the current one
	}
	return &model.RevisionConnection{Nodes: p.Items, PageInfo: info(p), TotalCount: total,
		Edges: edges(p, func(c string, r *content.Revision) *model.RevisionEdge {
			return &model.RevisionEdge{Cursor: c, Node: r}
		})}, nil
}

// changeKeys order the change feed: by revision, which no two changes share.
var changeKeys = []relay.Sort[*content.Change]{{Field: "revision", Type: relay.Int, Value: func(c *content.Change) any { return c.Revision }}}

// changes answers the change feed: the changes after the after cursor's revision, first of them at most.
func changes(ctx context.Context, s content.Store, after *string, first *int, types []content.ContentType) (*model.ChangeConnection, error) {
	w, err := relay.ParseWindow(first, nil, after, nil)
	if err != nil {
		return nil, err
	}
	if err := relay.Check(w, changeKeys); err != nil {
		return nil, err
	}
	var from int64
	if w.After != nil {
		from = w.After.Values[0].(int64) // Check made it an Int
	}
	names := make([]content.TypeName, len(types))
	for i, t := range types {
		names[i] = t.TypeName()
	}
	list, more, err := s.Changes(ctx, from, w.First, names)
	if err != nil {
		return nil, err
	}
	p := relay.NewPage(list, changeKeys, w)
	p.Info.HasNextPage = more
	return &model.ChangeConnection{Nodes: p.Items, PageInfo: info(p),
		Edges: edges(p, func(c string, ch *content.Change) *model.ChangeEdge { return &model.ChangeEdge{Cursor: c, Node: ch} })}, nil
}

// contentType is the ContentType enum value of a content type.
func contentType(t content.TypeName) content.ContentType {
	for _, c := range content.ContentTypeValues {
		if c.TypeName() == t {
			return c
		}
	}
	return ""
}

// changedNode is a change's item as the request's stage shows it: nil, not an error, when it was deleted or the
// stage does not show it.
func changedNode(ctx context.Context, c *content.Change) (content.Node, error) {
	if c.Operation == content.OpDelete {
		return nil, nil
	}
	n, err := loader.For(ctx).Node(ctx, c.Type, c.ID)
	if content.ErrorCode(err) == content.ENotFound {
		return nil, nil
	}
	return n, err
}

// editRoster changes a coalition's roster, made against version: edit gets a copy of the roster and the index of
// the stakeholder sid in it (-1 when it is not a member) and returns the new roster, or an error that refuses the
// change. The edit is first tried on the coalition as read at version, so that a refused edit writes nothing; a
// coalition at another version is left to Update, which refuses it as stale.
func editRoster(ctx context.Context, s content.Store, coalition string, version int, stakeholder string, edit func(roster []content.MemberRef, at int, sid string) ([]content.MemberRef, error)) (*content.Coalition, error) {
	conv := &conversion{}
	cid := conv.id("coalition", coalition, content.TypeCoalition)
	sid := conv.id("stakeholder", stakeholder, content.TypeStakeholder)
	if len(conv.bad) > 0 {
		return nil, conv.report(ctx, nil, memberArgs)
	}
	cur, err := s.Coalitions().Get(ctx, []string{cid})
	if err != nil {
		return nil, err
	}
	if c := cur[cid]; c != nil && c.Version == version {
		if _, err := edit(slices.Clone(c.Roster), memberAt(c.Roster, sid), sid); err != nil {
			return nil, err
		}
	}
	var refused error
	c, err := s.Coalitions().Update(ctx, cid, version, func(c *content.Coalition) {
		roster, err := edit(slices.Clone(c.Roster), memberAt(c.Roster, sid), sid)
		if err != nil {
			refused = err // only when the read above saw another stage than the write: the roster stays as it was
			return
		}
		c.Roster = roster
	})
	if refused != nil {
		return nil, refused
	}
	return c, fail(ctx, err, memberArgs)
}

// memberAt is the index of the stakeholder sid in a roster, -1 when it is not a member.
func memberAt(roster []content.MemberRef, sid string) int {
	return slices.IndexFunc(roster, func(m content.MemberRef) bool { return m.StakeholderID == sid })
}

// notMember is the error of a member edit for a stakeholder that is not a member.
func notMember() error {
	return content.Errorf(content.ENotFound, "stakeholder", "the stakeholder is not a member of the coalition")
}

// given tells whether the field being resolved was given the argument arg, even as null: the difference between
// "leave it" and "clear it" for the arguments that are not in an input object.
func given(ctx context.Context, arg string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) {
		return false
	}
	_, ok := fc.Field.ArgumentMap(graphql.GetOperationContext(ctx).Variables)[arg]
	return ok
}

// validate runs the item's own Validate.
func validate[T any](item *T) error {
	if v, ok := any(item).(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}

// paths names, in a mutation's arguments, the field an error of the store names under code.
type paths func(code, field string) string

// argument names the store's fields as the mutations' own arguments: a stale version is expectedVersion's.
func argument(code, field string) string {
	if code == content.EConflict && field == "version" {
		return "expectedVersion"
	}
	return field
}

// inputField names the store's fields in an input object, the argument input, renaming a path's first segment by
// names (partnerIds.2 → input.partners.2); the item's id and version are arguments of their own.
func inputField(names map[string]string) paths {
	return func(code, field string) string {
		if field == "" || field == "id" || field == "version" {
			return argument(code, field)
		}
		head, rest, nested := strings.Cut(field, ".")
		if n, ok := names[head]; ok {
			head = n
		}
		if nested {
			head += "." + rest
		}
		return "input." + head
	}
}

// memberArgs names the store's fields in the member mutations' arguments: the coalition is the item, and its
// roster's entry (roster.1.role) is the member the mutation edits.
func memberArgs(code, field string) string {
	if field == "id" {
		return "coalition"
	}
	if rest, ok := strings.CutPrefix(field, "roster."); ok {
		_, f, _ := strings.Cut(rest, ".")
		if f == "" || f == "stakeholderId" {
			return "stakeholder"
		}
		return f
	}
	return argument(code, field)
}

// moveArgs names the store's fields in moveToolkitSection's arguments.
func moveArgs(code, field string) string {
	switch field {
	case "parentId":
		return "parent"
	case "order":
		return "position"
	}
	return argument(code, field)
}

// fail turns a failed write's error into what the client sees. A validation error becomes one GraphQL error per
// bad field, named by its path in the mutation's arguments, and fail returns nil (the payload is null, the errors
// say why); any other error keeps its code and message, with the field it names renamed the same way.
func fail(ctx context.Context, err error, p paths) error {
	var ce *content.Error
	if !errors.As(err, &ce) {
		return err
	}
	if ce.Code == content.EInvalid && len(ce.Fields) > 0 {
		report(ctx, named(ce.Fields, p))
		return nil
	}
	if ce.Field == "" {
		return err
	}
	renamed := *ce
	renamed.Field = p(ce.Code, ce.Field)
	return &renamed
}

// named renames the bad fields of a validation error by p, in their paths and where a message names another
// element of the same list ("repeats partnerIds.0").
func named(fields []content.FieldError, p paths) []content.FieldError {
	out := make([]content.FieldError, len(fields))
	for i, f := range fields {
		head, _, _ := strings.Cut(f.Field, ".")
		msg := strings.ReplaceAll(f.Message, head+".", p(content.EInvalid, head)+".")
		out[i] = content.FieldError{Field: p(content.EInvalid, f.Field), Message: msg}
	}
	return out
}

// report adds one BAD_USER_INPUT error per bad field to the response, each naming its field in extensions.field
// and giving the reason as its message.
func report(ctx context.Context, bad []content.FieldError) {
	for _, f := range bad {
		graphql.AddError(ctx, &content.Error{Code: content.EInvalid, Field: f.Field, Message: f.Message})
	}
}

// conversion collects the bad fields of a mutation's arguments while they are converted, each under its path: a
// malformed or wrongly typed ID, a null for a field that cannot be cleared.
type conversion struct{ bad []content.FieldError }

func (conv *conversion) fail(path, message string) {
	conv.bad = append(conv.bad, content.FieldError{Field: path, Message: message})
}

// report reports the bad fields collected, with the bad fields of problems (a validation error of the item the
// input would make) that are not among them, and returns nil, as fail does.
func (conv *conversion) report(ctx context.Context, problems error, p paths) error {
	bad := conv.bad
	var ce *content.Error
	if errors.As(problems, &ce) && ce.Code == content.EInvalid {
		for _, f := range named(ce.Fields, p) {
			if !slices.ContainsFunc(conv.bad, func(b content.FieldError) bool { return b.Field == f.Field }) {
				bad = append(bad, f)
			}
		}
	}
	report(ctx, bad)
	return nil
}

// id decodes a global ID of one of the types want; "" when it is bad, which the item's validation also refuses.
func (conv *conversion) id(path, id string, want ...content.TypeName) string {
	_, local, err := content.ParseGlobalID(path, id, want...)
	if err != nil {
		conv.fail(path, reason(err))
		return ""
	}
	return local
}

// key decodes the global ID of any content into its type-qualified key (a mention); "" when it is bad.
func (conv *conversion) key(path, id string) string {
	t, local, err := content.ParseGlobalID(path, id, content.ContentTypes...)
	if err != nil {
		conv.fail(path, reason(err))
		return ""
	}
	return content.KeyOf(t, local)
}

// ids decodes a list of global IDs with decode, each under path.index; never nil.
func (conv *conversion) ids(path string, ids []string, decode func(path, id string) string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = decode(path+"."+strconv.Itoa(i), id)
	}
	return out
}

// refs decodes a list of global IDs of type t.
func (conv *conversion) refs(path string, ids []string, t content.TypeName) []string {
	return conv.ids(path, ids, func(p, id string) string { return conv.id(p, id, t) })
}

// mentions decodes a list of global IDs of any content into keys.
func (conv *conversion) mentions(path string, ids []string) []string {
	return conv.ids(path, ids, conv.key)
}

// reason is the message of an ID's decoding error, for the field error that names the field itself.
func reason(err error) string {
	var ce *content.Error
	if errors.As(err, &ce) {
		return ce.Message
	}
	return "is not valid"
}

// The conversions of an update input's fields, one per shape of field (see content.Optional). A field left out
// is nil: unchanged.

// set is a required field: a value sets it, null cannot clear it.
func set[T any](conv *conversion, path string, o graphql.Omittable[*T]) *T {
	v, ok := o.ValueOK()
	if ok && v == nil {
		conv.fail(path, "is required and cannot be cleared: leave it out to keep its value")
	}
	return v
}

// change is an optional field: a value sets it, null clears it.
func change[T any](o graphql.Omittable[*T]) *content.Optional[T] {
	v, ok := o.ValueOK()
	switch {
	case !ok:
		return nil
	case v == nil:
		return content.None[T]()
	}
	return content.Some(*v)
}

// replace is a list: a list replaces it, null empties it.
func replace[T any](o graphql.Omittable[[]T]) *[]T {
	v, ok := o.ValueOK()
	if !ok {
		return nil
	}
	return ptr(orEmpty(v))
}

// replaceRefs is a list of references: each global ID decoded by decode.
func replaceRefs(o graphql.Omittable[[]string], decode func([]string) []string) *[]string {
	v, ok := o.ValueOK()
	if !ok {
		return nil
	}
	return ptr(decode(v))
}

// changeRef is an optional reference: a global ID of type t sets it, null clears it.
func changeRef(conv *conversion, path string, o graphql.Omittable[*string], t content.TypeName) *content.Optional[string] {
	v, ok := o.ValueOK()
	switch {
	case !ok:
		return nil
	case v == nil:
		return content.None[string]()
	}
	return content.Some(conv.id(path, *v, t))
}

// optionalRef is an optional reference of a new item: nil when left out.
func optionalRef(conv *conversion, path string, id *string, t content.TypeName) *string {
	if id == nil {
		return nil
	}
	return ptr(conv.id(path, *id, t))
}

// orEmpty is list, or an empty list for nil: the store keeps lists, never null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// payload is a mutation's answer: nil when the write failed or reported its errors itself.
func payload[T any, P any](item *T, err error, wrap func(*T) *P) (*P, error) {
	if err != nil || item == nil {
		return nil, err
	}
	return wrap(item), nil
}

func coalitionPayload(c *content.Coalition, err error) (*model.CoalitionPayload, error) {
	return payload(c, err, func(c *content.Coalition) *model.CoalitionPayload { return &model.CoalitionPayload{Coalition: c} })
}

func stakeholderPayload(s *content.Stakeholder, err error) (*model.StakeholderPayload, error) {
	return payload(s, err, func(s *content.Stakeholder) *model.StakeholderPayload {
		return &model.StakeholderPayload{Stakeholder: s}
	})
}

func initiativePayload(i *content.Initiative, err error) (*model.InitiativePayload, error) {
	return payload(i, err, func(i *content.Initiative) *model.InitiativePayload { return &model.InitiativePayload{Initiative: i} })
}

func toolkitSectionPayload(t *content.ToolkitSection, err error) (*model.ToolkitSectionPayload, error) {
	return payload(t, err, func(t *content.ToolkitSection) *model.ToolkitSectionPayload {
		return &model.ToolkitSectionPayload{ToolkitSection: t}
	})
}

func blogPostPayload(b *content.BlogPost, err error) (*model.BlogPostPayload, error) {
	return payload(b, err, func(b *content.BlogPost) *model.BlogPostPayload { return &model.BlogPostPayload{BlogPost: b} })
}

// The inputs of the five types, converted: a new item, or an update. Each names the input's fields by their paths,
// which are what a client sees in extensions.field.

func newCoalition(conv *conversion, c model.CreateCoalitionInput) *content.Coalition {
	return &content.Coalition{Slug: c.Slug, Name: c.Name, CountryCode: c.Country, Status: c.Status, Scope: c.Scope,
		LaunchYear: c.LaunchYear, Description: c.Description, Website: c.Website, FocusAreas: orEmpty(c.FocusAreas),
		Tags: orEmpty(c.Tags), SourceURL: c.SourceURL, Roster: []content.MemberRef{}}
}

func coalitionUpdate(conv *conversion, u model.UpdateCoalitionInput) content.CoalitionUpdate {
	return content.CoalitionUpdate{
		Slug: set(conv, "input.slug", u.Slug), Name: set(conv, "input.name", u.Name), CountryCode: set(conv, "input.country", u.Country),
		Status: set(conv, "input.status", u.Status), Scope: set(conv, "input.scope", u.Scope), LaunchYear: change(u.LaunchYear),
		Description: change(u.Description), Website: change(u.Website), FocusAreas: replace(u.FocusAreas), Tags: replace(u.Tags),
		SourceURL: change(u.SourceURL),
	}
}

func newStakeholder(conv *conversion, s model.CreateStakeholderInput) *content.Stakeholder {
	return &content.Stakeholder{Slug: s.Slug, Name: s.Name, Kind: s.Kind, Category: s.Category, CountryCode: s.Country,
		Position: s.Position, Description: s.Description, Website: s.Website, Tags: orEmpty(s.Tags), SourceURL: s.SourceURL}
}

func stakeholderUpdate(conv *conversion, u model.UpdateStakeholderInput) content.StakeholderUpdate {
	return content.StakeholderUpdate{
		Slug: set(conv, "input.slug", u.Slug), Name: set(conv, "input.name", u.Name), Kind: set(conv, "input.kind", u.Kind),
		Category: set(conv, "input.category", u.Category), CountryCode: change(u.Country), Position: change(u.Position),
		Description: change(u.Description), Website: change(u.Website), Tags: replace(u.Tags), SourceURL: change(u.SourceURL),
	}
}

func newInitiative(conv *conversion, i model.CreateInitiativeInput) *content.Initiative {
	return &content.Initiative{Slug: i.Slug, Name: i.Name, Scope: i.Scope, CountryCodes: orEmpty(i.Countries),
		StartYear: i.StartYear, Description: i.Description, Website: i.Website, FocusAreas: orEmpty(i.FocusAreas),
		Tags: orEmpty(i.Tags), SourceURL: i.SourceURL,
		PartnerIDs:   conv.refs("input.partners", i.Partners, content.TypeStakeholder),
		CoalitionIDs: conv.refs("input.coalitions", i.Coalitions, content.TypeCoalition)}
}

func initiativeUpdate(conv *conversion, u model.UpdateInitiativeInput) content.InitiativeUpdate {
	return content.InitiativeUpdate{
		Slug: set(conv, "input.slug", u.Slug), Name: set(conv, "input.name", u.Name), Scope: set(conv, "input.scope", u.Scope),
		CountryCodes: replace(u.Countries), StartYear: change(u.StartYear), Description: change(u.Description),
		Website: change(u.Website), FocusAreas: replace(u.FocusAreas), Tags: replace(u.Tags), SourceURL: change(u.SourceURL),
		PartnerIDs: replaceRefs(u.Partners, func(ids []string) []string {
			return conv.refs("input.partners", ids, content.TypeStakeholder)
		}),
		CoalitionIDs: replaceRefs(u.Coalitions, func(ids []string) []string {
			return conv.refs("input.coalitions", ids, content.TypeCoalition)
		}),
	}
}

func newToolkitSection(conv *conversion, t model.CreateToolkitSectionInput) *content.ToolkitSection {
	return &content.ToolkitSection{Slug: t.Slug, Title: t.Title, Order: t.Order,
		ParentID: optionalRef(conv, "input.parent", t.Parent, content.TypeToolkitSection), Summary: t.Summary, Body: t.Body,
		Proposed: t.Proposed != nil && *t.Proposed, Tags: orEmpty(t.Tags), SourceURL: t.SourceURL}
}

// toolkitSectionUpdate leaves the section's place alone: moveToolkitSection moves it.
func toolkitSectionUpdate(conv *conversion, u model.UpdateToolkitSectionInput) content.ToolkitSectionUpdate {
	return content.ToolkitSectionUpdate{
		Slug: set(conv, "input.slug", u.Slug), Title: set(conv, "input.title", u.Title), Summary: change(u.Summary),
		Body: change(u.Body), Proposed: set(conv, "input.proposed", u.Proposed), Tags: replace(u.Tags), SourceURL: change(u.SourceURL),
	}
}

func newBlogPost(conv *conversion, b model.CreateBlogPostInput) *content.BlogPost {
	return &content.BlogPost{Slug: b.Slug, Title: b.Title, PublishedOn: b.PublishedOn, Excerpt: b.Excerpt, Body: b.Body,
		Tags: orEmpty(b.Tags), SourceURL: b.SourceURL,
		PublisherID: optionalRef(conv, "input.publisher", b.Publisher, content.TypeStakeholder),
		AuthorIDs:   conv.refs("input.authors", b.Authors, content.TypeStakeholder),
		MentionKeys: conv.mentions("input.mentions", b.Mentions)}
}

func blogPostUpdate(conv *conversion, u model.UpdateBlogPostInput) content.BlogPostUpdate {
	return content.BlogPostUpdate{
		Slug: set(conv, "input.slug", u.Slug), Title: set(conv, "input.title", u.Title), PublishedOn: change(u.PublishedOn),
		Excerpt: change(u.Excerpt), Body: change(u.Body), Tags: replace(u.Tags), SourceURL: change(u.SourceURL),
		PublisherID: changeRef(conv, "input.publisher", u.Publisher, content.TypeStakeholder),
		AuthorIDs: replaceRefs(u.Authors, func(ids []string) []string {
			return conv.refs("input.authors", ids, content.TypeStakeholder)
		}),
		MentionKeys: replaceRefs(u.Mentions, func(ids []string) []string { return conv.mentions("input.mentions", ids) }),
	}
}
