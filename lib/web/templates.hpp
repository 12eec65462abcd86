#pragma once
// Pages come from mustache templates in templates/; C++ only fills in data.
// {{name}} is HTML-escaped by mustache, so what users typed stays text.

#include <filesystem>
#include <kainjow/mustache.hpp>
#include <map>
#include <string>

namespace rtchat::web {

using TemplateData = kainjow::mustache::data;

class Templates {
public:
    /// Reads every *.html below `dir`; throws std::runtime_error naming a
    /// template that is missing or does not parse.
    explicit Templates(const std::filesystem::path& dir);

    /// Renders `name` (e.g. "chat.html") inside layout.html, whose
    /// {{{content}}} receives it.
    std::string page(const std::string& name, const TemplateData& data) const;

private:
    std::map<std::string, kainjow::mustache::mustache, std::less<>> templates_;
    const kainjow::mustache::mustache& get(const std::string& name) const;
};

} // namespace rtchat::web
