#include "web/templates.hpp"

#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rtchat::web {

Templates::Templates(const std::filesystem::path& dir) {
    if (!std::filesystem::is_directory(dir))
        throw std::runtime_error(fmt::format("template folder {} does not exist", dir.string()));
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".html")
            continue;
        std::ifstream in(entry.path());
        std::ostringstream text;
        text << in.rdbuf();
        kainjow::mustache::mustache tmpl(text.str());
        if (!tmpl.is_valid())
            throw std::runtime_error(
                fmt::format("template {}: {}", entry.path().string(), tmpl.error_message()));
        templates_.emplace(std::filesystem::relative(entry.path(), dir).string(), std::move(tmpl));
    }
    get("layout.html");
}

const kainjow::mustache::mustache& Templates::get(const std::string& name) const {
    auto it = templates_.find(name);
    if (it == templates_.end())
        throw std::runtime_error(fmt::format("template {} is missing", name));
    return it->second;
}

std::string Templates::page(const std::string& name, const TemplateData& data) const {
    // Rendering mutates nothing shared: each render works on copies.
    auto inner = get(name);
    TemplateData outer = data;
    outer.set("content", inner.render(data));
    auto layout = get("layout.html");
    return layout.render(outer);
}

} // namespace rtchat::web
